/**
 * The protobuf schema of apimachinery's small types: runtime.Unknown (the envelope of every
 * protobuf body, after the `k8s\0` magic), IntOrString and Quantity. Field numbers from
 * k8s.io/apimachinery's generated.proto (v0.33). One text per protobuf package.
 */
export const RUNTIME = `syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;

message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}
/** JSON carries the embedded object itself (ControllerRevision.data); not converted by to-json.ts. */
message RawExtension {
  optional bytes raw = 1;
}
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
`

export const INTSTR = `syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;

message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`

export const RESOURCE = `syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;

message Quantity {
  optional string string = 1;
}
`
