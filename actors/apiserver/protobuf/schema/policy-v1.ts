/**
 * The protobuf schema of policy/v1: PodDisruptionBudget and Eviction (`kubectl drain` posts it).
 * Kubernetes' message and field numbers (k8s.io/api and k8s.io/apimachinery generated.proto,
 * v0.33), written out for the kinds we decode and encode.
 * Options (read by ../to-json.ts): `(keep_zero)` marks fields whose zero value Kubernetes' JSON
 * keeps (Go pointers and fields without omitempty); `(inline)` marks embedded structs whose
 * fields JSON flattens into the parent.
 */
export const POLICY_V1 = `syntax = "proto2";
package k8s.io.api.policy.v1;

message Eviction {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions deleteOptions = 2;
}
message PodDisruptionBudget {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodDisruptionBudgetSpec spec = 2;
  optional PodDisruptionBudgetStatus status = 3;
}
message PodDisruptionBudgetSpec {
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString minAvailable = 1 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 3 [(keep_zero) = true];
  optional string unhealthyPodEvictionPolicy = 4 [(keep_zero) = true];
}
message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, .k8s.io.apimachinery.pkg.apis.meta.v1.Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3 [(keep_zero) = true];
  optional int32 currentHealthy = 4 [(keep_zero) = true];
  optional int32 desiredHealthy = 5 [(keep_zero) = true];
  optional int32 expectedPods = 6 [(keep_zero) = true];
  repeated .k8s.io.apimachinery.pkg.apis.meta.v1.Condition conditions = 7;
}
`
