// E2E tests run the services as compiled processes: build them once per jest run.
import { buildServices } from './service-processes';

export default function globalSetup(): void {
  buildServices();
}
