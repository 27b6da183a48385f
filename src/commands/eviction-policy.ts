/**
 * The eviction vocabulary the fronts use (CONFIG, INFO, OBJECT), from the store, which defines it:
 * protocols import commands/, never store/ (docs/architecture.md).
 */
export {
  type EvictionPolicyName,
  type EvictionSettings,
  evictionPolicyNames,
  lfuDecayed,
  lruIdleMs,
  policyIsLfu,
} from '../store/access-clock.js';
