/** redis_version of INFO and HELLO: what version checks of clients and job queues accept (BullMQ, Sidekiq: 7.0+). */
export const redisVersion = '7.2.4';
