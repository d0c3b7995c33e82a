import './instrument';
import 'reflect-metadata';
import { runServiceProcess } from '@airlock/runtime';
import { startIngress } from './ingress.app';

runServiceProcess('ingress', startIngress);
