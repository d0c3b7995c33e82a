export * from './moves.test-kit';
