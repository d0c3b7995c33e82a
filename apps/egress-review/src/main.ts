import './instrument';
import 'reflect-metadata';
import { runServiceProcess } from '@airlock/runtime';
import { startEgressReview } from './egress-review.app';

runServiceProcess('egress-review', startEgressReview);
