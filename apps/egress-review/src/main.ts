import './instrument';
import 'reflect-metadata';
import { runServiceProcess } from '@airlock/runtime';
import { startEgressReview } from './egress-review.app';
import { reviewReadModelEntities } from './review-read-model';

runServiceProcess('egress-review', startEgressReview, { entities: reviewReadModelEntities });
