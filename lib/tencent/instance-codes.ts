/**
 * CVM error codes that mean an instance's state moved since we described it (current CVM error
 * codes for StopInstances / StartInstances; the 2018 API reference lists none): it is stopped,
 * stopping, starting, busy or gone. A write refused this way did nothing and is not an error.
 */
export const STATE_CHANGED_CODES: ReadonlySet<string> = new Set([
  "UnsupportedOperation.InstanceStateStopped",
  "UnsupportedOperation.InstanceStateStopping",
  "UnsupportedOperation.InstanceStateStarting",
  "OperationDenied.InstanceOperationInProgress",
  "InvalidInstanceId.NotFound",
]);
