/**
 * @tierswap/redis-device: a swap BlockDevice on Redis or a Redis Cluster (the network
 * tier), synchronous: the calling thread blocks on its socket for each round trip. In its
 * own package so that users of the file and SQLite devices never load a network client.
 */
export type { RedisDeviceOptions, RedisTlsOptions } from './options.js';
export type { RedisDeviceStats } from './redisDevice.js';
export { createRedisDevice, RedisDevice } from './redisDevice.js';
