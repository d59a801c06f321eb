import Redis from 'ioredis';
import { startRedis } from './redis';

describe('the test redis-server helper', () => {
  it('starts a real redis-server that answers commands and keeps data across a restart', async () => {
    const redis = await startRedis();
    try {
      const client = new Redis(redis.url);
      await client.set('k', 'v');
      client.disconnect();
      await redis.stop();
      await redis.restart();
      const again = new Redis(redis.url);
      expect(await again.get('k')).toBe('v');
      again.disconnect();
    } finally {
      await redis.destroy();
    }
  });
});
