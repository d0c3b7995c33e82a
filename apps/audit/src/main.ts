import './instrument';
import 'reflect-metadata';
import { runServiceProcess } from '@airlock/runtime';
import { startAudit } from './audit.app';

runServiceProcess('audit', startAudit);
