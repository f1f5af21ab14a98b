/**
 * The protobuf schema of authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`) and
 * TokenRequest (`kubectl create token`; BoundObjectReference's `aPIVersion` under its JSON name).
 * Kubernetes' message and field numbers (k8s.io/api generated.proto, v0.33). ExtraValue's JSON is a
 * plain list of strings (to-json.ts). Options as in rbac-v1.ts.
 */
export const AUTHENTICATION_V1 = `syntax = "proto2";
package k8s.io.api.authentication.v1;

message BoundObjectReference {
  optional string kind = 1;
  optional string apiVersion = 2;
  optional string name = 3;
  optional string uid = 4;
}
message ExtraValue {
  repeated string items = 1;
}
message SelfSubjectReview {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectReviewStatus status = 2;
}
message SelfSubjectReviewStatus {
  optional UserInfo userInfo = 1;
}
message TokenRequest {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional TokenRequestSpec spec = 2;
  optional TokenRequestStatus status = 3;
}
message TokenRequestSpec {
  repeated string audiences = 1;
  optional BoundObjectReference boundObjectRef = 3;
  optional int64 expirationSeconds = 4 [(keep_zero) = true];
}
message TokenRequestStatus {
  optional string token = 1 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time expirationTimestamp = 2 [(keep_zero) = true];
}
message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
  map<string, ExtraValue> extra = 4;
}
`
