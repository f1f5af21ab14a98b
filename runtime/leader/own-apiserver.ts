/**
 * A leader-elected component's own master's apiserver, which its API clients try first (as
 * kubeadm points kube-scheduler and kube-controller-manager at their local apiserver): a stopped
 * or partitioned other master then costs them nothing, where a call in turn to its apiserver
 * would wait out a timeout. Undefined when the component's id names no apiserver (a host without
 * one): calls then go to the apiservers in turn.
 */
export function ownApiserver(id: string, apiservers: readonly string[]): { preferredApiserver?: string } {
  return apiservers.includes(id) ? { preferredApiserver: id } : {}
}
