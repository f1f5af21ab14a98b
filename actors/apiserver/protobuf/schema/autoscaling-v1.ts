/**
 * The protobuf schema of autoscaling/v1: Scale (the scale subresource).
 * Kubernetes' message and field numbers (k8s.io/api generated.proto, v0.33), written out for
 * the kinds we decode and encode. Options as in rbac-v1.ts.
 */
export const AUTOSCALING_V1 = `syntax = "proto2";
package k8s.io.api.autoscaling.v1;

message Scale {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ScaleSpec spec = 2;
  optional ScaleStatus status = 3;
}
message ScaleSpec {
  optional int32 replicas = 1;
}
message ScaleStatus {
  optional int32 replicas = 1 [(keep_zero) = true];
  optional string selector = 2;
}
`
