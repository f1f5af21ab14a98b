/**
 * The protobuf schema of coordination.k8s.io/v1: Lease.
 * Kubernetes' message and field numbers (k8s.io/api generated.proto, v0.33), written out for
 * the kinds we decode and encode. Options as in rbac-v1.ts.
 */
export const COORDINATION_V1 = `syntax = "proto2";
package k8s.io.api.coordination.v1;

message Lease {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional LeaseSpec spec = 2;
}
message LeaseSpec {
  optional string holderIdentity = 1 [(keep_zero) = true];
  optional int32 leaseDurationSeconds = 2 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime acquireTime = 3;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime renewTime = 4;
  optional int32 leaseTransitions = 5 [(keep_zero) = true];
  optional string strategy = 6 [(keep_zero) = true];
  optional string preferredHolder = 7 [(keep_zero) = true];
}
`
