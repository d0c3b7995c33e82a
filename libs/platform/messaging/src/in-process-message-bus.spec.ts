import { InProcessMessageBus } from './in-process-message-bus';
import { describeMessageBusContract } from './message-bus.contract';

describe('InProcessMessageBus', () => {
  let bus: InProcessMessageBus;
  beforeEach(() => {
    bus = new InProcessMessageBus({ retry: { initialMs: 5, maxMs: 20 } });
  });
  afterEach(() => bus.close());

  describeMessageBusContract('InProcessMessageBus', () => bus, { testTimeoutMs: 5_000, waitMs: 2_000 });

  it('refuses to publish once closed', async () => {
    await bus.close();
    await expect(bus.publish([{ topic: 't', key: 'k', value: 'v' }])).rejects.toThrow('closed');
  });
});
