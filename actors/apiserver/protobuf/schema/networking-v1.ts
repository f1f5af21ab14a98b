/**
 * The protobuf schema of networking.k8s.io/v1: Ingress, IngressClass, NetworkPolicy.
 * Kubernetes' message and field numbers (k8s.io/api and k8s.io/apimachinery generated.proto,
 * v0.33), written out for the kinds we decode and encode.
 * Options (read by ../to-json.ts): `(keep_zero)` marks fields whose zero value Kubernetes' JSON
 * keeps (Go pointers and fields without omitempty); `(inline)` marks embedded structs whose
 * fields JSON flattens into the parent.
 */
export const NETWORKING_V1 = `syntax = "proto2";
package k8s.io.api.networking.v1;

message HTTPIngressPath {
  optional string path = 1;
  optional IngressBackend backend = 2;
  optional string pathType = 3 [(keep_zero) = true];
}
message HTTPIngressRuleValue {
  repeated HTTPIngressPath paths = 1;
}
message IPBlock {
  optional string cidr = 1 [(keep_zero) = true];
  repeated string except = 2;
}
message Ingress {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional IngressSpec spec = 2;
  optional IngressStatus status = 3;
}
message IngressBackend {
  optional .k8s.io.api.core.v1.TypedLocalObjectReference resource = 3;
  optional IngressServiceBackend service = 4;
}
message IngressClass {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional IngressClassSpec spec = 2;
}
message IngressClassParametersReference {
  optional string apiGroup = 1 [(keep_zero) = true];
  optional string kind = 2 [(keep_zero) = true];
  optional string name = 3 [(keep_zero) = true];
  optional string scope = 4 [(keep_zero) = true];
  optional string namespace = 5 [(keep_zero) = true];
}
message IngressClassSpec {
  optional string controller = 1;
  optional IngressClassParametersReference parameters = 2;
}
message IngressLoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  repeated IngressPortStatus ports = 4;
}
message IngressLoadBalancerStatus {
  repeated IngressLoadBalancerIngress ingress = 1;
}
message IngressPortStatus {
  optional int32 port = 1 [(keep_zero) = true];
  optional string protocol = 2 [(keep_zero) = true];
  optional string error = 3 [(keep_zero) = true];
}
message IngressRule {
  optional string host = 1;
  optional IngressRuleValue ingressRuleValue = 2 [(inline) = true];
}
message IngressRuleValue {
  optional HTTPIngressRuleValue http = 1;
}
message IngressServiceBackend {
  optional string name = 1 [(keep_zero) = true];
  optional ServiceBackendPort port = 2;
}
message IngressSpec {
  optional IngressBackend defaultBackend = 1;
  repeated IngressTLS tls = 2;
  repeated IngressRule rules = 3;
  optional string ingressClassName = 4 [(keep_zero) = true];
}
message IngressStatus {
  optional IngressLoadBalancerStatus loadBalancer = 1;
}
message IngressTLS {
  repeated string hosts = 1;
  optional string secretName = 2;
}
message NetworkPolicy {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional NetworkPolicySpec spec = 2;
}
message NetworkPolicyEgressRule {
  repeated NetworkPolicyPort ports = 1;
  repeated NetworkPolicyPeer to = 2;
}
message NetworkPolicyIngressRule {
  repeated NetworkPolicyPort ports = 1;
  repeated NetworkPolicyPeer from = 2;
}
message NetworkPolicyPeer {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector podSelector = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector namespaceSelector = 2;
  optional IPBlock ipBlock = 3;
}
message NetworkPolicyPort {
  optional string protocol = 1 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 2 [(keep_zero) = true];
  optional int32 endPort = 3 [(keep_zero) = true];
}
message NetworkPolicySpec {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector podSelector = 1 [(keep_zero) = true];
  repeated NetworkPolicyIngressRule ingress = 2;
  repeated NetworkPolicyEgressRule egress = 3;
  repeated string policyTypes = 4;
}
message ServiceBackendPort {
  optional string name = 1;
  optional int32 number = 2;
}
`
