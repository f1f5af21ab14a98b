/**
 * The protobuf schema of authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`).
 * Kubernetes' message and field numbers (k8s.io/api generated.proto, v0.33). UserInfo's `extra`
 * (a map of ExtraValue, whose JSON is a plain list) is left out: we never send it, and a client
 * sending it is refused rather than misread. Options as in rbac-v1.ts.
 */
export const AUTHENTICATION_V1 = `syntax = "proto2";
package k8s.io.api.authentication.v1;

message SelfSubjectReview {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectReviewStatus status = 2;
}
message SelfSubjectReviewStatus {
  optional UserInfo userInfo = 1;
}
message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
}
`
