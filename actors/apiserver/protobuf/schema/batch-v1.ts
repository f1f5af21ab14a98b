/**
 * The protobuf schema of batch/v1: Job, CronJob.
 * Kubernetes' message and field numbers (k8s.io/api and k8s.io/apimachinery generated.proto,
 * v0.33), written out for the kinds we decode and encode.
 * Options (read by ../to-json.ts): `(keep_zero)` marks fields whose zero value Kubernetes' JSON
 * keeps (Go pointers and fields without omitempty); `(inline)` marks embedded structs whose
 * fields JSON flattens into the parent.
 */
export const BATCH_V1 = `syntax = "proto2";
package k8s.io.api.batch.v1;

message CronJob {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CronJobSpec spec = 2;
  optional CronJobStatus status = 3;
}
message CronJobSpec {
  optional string schedule = 1 [(keep_zero) = true];
  optional int64 startingDeadlineSeconds = 2 [(keep_zero) = true];
  optional string concurrencyPolicy = 3;
  optional bool suspend = 4 [(keep_zero) = true];
  optional JobTemplateSpec jobTemplate = 5;
  optional int32 successfulJobsHistoryLimit = 6 [(keep_zero) = true];
  optional int32 failedJobsHistoryLimit = 7 [(keep_zero) = true];
  optional string timeZone = 8 [(keep_zero) = true];
}
message CronJobStatus {
  repeated .k8s.io.api.core.v1.ObjectReference active = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScheduleTime = 4;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastSuccessfulTime = 5;
}
message Job {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
  optional JobStatus status = 3;
}
message JobCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message JobSpec {
  optional int32 parallelism = 1 [(keep_zero) = true];
  optional int32 completions = 2 [(keep_zero) = true];
  optional int64 activeDeadlineSeconds = 3 [(keep_zero) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  optional bool manualSelector = 5 [(keep_zero) = true];
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 6;
  optional int32 backoffLimit = 7 [(keep_zero) = true];
  optional int32 ttlSecondsAfterFinished = 8 [(keep_zero) = true];
  optional string completionMode = 9 [(keep_zero) = true];
  optional bool suspend = 10 [(keep_zero) = true];
  optional PodFailurePolicy podFailurePolicy = 11;
  optional int32 backoffLimitPerIndex = 12 [(keep_zero) = true];
  optional int32 maxFailedIndexes = 13 [(keep_zero) = true];
  optional string podReplacementPolicy = 14 [(keep_zero) = true];
  optional string managedBy = 15 [(keep_zero) = true];
  optional SuccessPolicy successPolicy = 16;
}
message JobStatus {
  repeated JobCondition conditions = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 2;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time completionTime = 3;
  optional int32 active = 4;
  optional int32 succeeded = 5;
  optional int32 failed = 6;
  optional string completedIndexes = 7;
  optional UncountedTerminatedPods uncountedTerminatedPods = 8;
  optional int32 ready = 9 [(keep_zero) = true];
  optional string failedIndexes = 10 [(keep_zero) = true];
  optional int32 terminating = 11 [(keep_zero) = true];
}
message JobTemplateSpec {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
}
message PodFailurePolicy {
  repeated PodFailurePolicyRule rules = 1;
}
message PodFailurePolicyOnExitCodesRequirement {
  optional string containerName = 1 [(keep_zero) = true];
  optional string operator = 2 [(keep_zero) = true];
  repeated int32 values = 3;
}
message PodFailurePolicyOnPodConditionsPattern {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
}
message PodFailurePolicyRule {
  optional string action = 1 [(keep_zero) = true];
  optional PodFailurePolicyOnExitCodesRequirement onExitCodes = 2;
  repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3;
}
message SuccessPolicy {
  repeated SuccessPolicyRule rules = 1;
}
message SuccessPolicyRule {
  optional string succeededIndexes = 1 [(keep_zero) = true];
  optional int32 succeededCount = 2 [(keep_zero) = true];
}
message UncountedTerminatedPods {
  repeated string succeeded = 1;
  repeated string failed = 2;
}
`
