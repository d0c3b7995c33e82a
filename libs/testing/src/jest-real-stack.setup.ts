// Integration and e2e tests run against the servers of `deploy/local/stack.sh up`.
import { applyRealStackDefaults } from './real-stack';

applyRealStackDefaults();
