/**
 * @tierswap/redis-device/testing: real redis-server processes for tests and trying the
 * device out: one server or a local Cluster on free loopback ports, stopped when the
 * process exits. Needs the redis-server binary (`apt-get install redis-server`). Not part
 * of the main entry point: nothing here belongs in production code.
 */
export type { RedisCluster, ServerOptions } from './redisServers.js';
export {
  cli,
  freePort,
  RedisServer,
  requireRedisServer,
  startRedisCluster,
  startRedisServer,
} from './redisServers.js';
