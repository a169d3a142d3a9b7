/**
 * @tierswap/tiered-store/testing: test doubles for code built on the package's devices.
 * Not part of the main entry point: nothing here belongs in production code.
 */
export type { FaultPlan, FaultSchedule } from './faultInjectingDevice.js';
export {
  createFaultInjectingDevice,
  everyNth,
  FaultInjectingDevice,
  onCalls,
  onSlots,
} from './faultInjectingDevice.js';
