import './instrument';
import 'reflect-metadata';
import { runServiceProcess } from '@airlock/runtime';
import { startDisclosureCheck } from './disclosure-check.app';

runServiceProcess('disclosure-check', startDisclosureCheck);
