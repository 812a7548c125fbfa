// The bus component's public names. This file only re-exports.

export { createBus } from "./createBus.js";
export { DEFAULT_MAX_PENDING, DEFAULT_REQUEST_TIMEOUT_MS, InProcessBus } from "./InProcessBus.js";
export type { BusSubscription } from "./InProcessBus.js";
export { isValidPattern, isValidTopic, topicMatches, validatePattern, validateTopic } from "./topic.js";
export type {
  Bus,
  BusOptions,
  BusStats,
  DropReason,
  Message,
  MessageHandler,
  OverflowPolicy,
  PayloadOf,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
  TopicMap,
} from "./Bus.js";
