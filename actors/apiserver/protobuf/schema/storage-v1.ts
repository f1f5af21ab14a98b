/**
 * The protobuf schema of storage.k8s.io/v1: StorageClass.
 * Kubernetes' message and field numbers (k8s.io/api generated.proto, v0.33), written out for
 * the kinds we decode and encode. Options as in rbac-v1.ts.
 */
export const STORAGE_V1 = `syntax = "proto2";
package k8s.io.api.storage.v1;

message StorageClass {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional string provisioner = 2 [(keep_zero) = true];
  map<string, string> parameters = 3;
  optional string reclaimPolicy = 4 [(keep_zero) = true];
  repeated string mountOptions = 5;
  optional bool allowVolumeExpansion = 6 [(keep_zero) = true];
  optional string volumeBindingMode = 7 [(keep_zero) = true];
  repeated .k8s.io.api.core.v1.TopologySelectorTerm allowedTopologies = 8;
}
`
