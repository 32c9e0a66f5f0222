// Why: each rule's long help (why it matters, how to fix it), for SARIF's rule descriptions and the text summary.
import type { RuleId } from './model.js'

/** A rule's help: what goes wrong and the usual fix. */
export interface RuleHelp {
  readonly details: string
  readonly fix: string
}

/** Help of every rule; typed by `RuleId` so a new rule cannot ship without it. */
export const RULE_HELP: Readonly<Record<RuleId, RuleHelp>> = {
  'no-default-deny': {
    details:
      'A namespace where no policy with `podSelector: {}` isolates every pod for ingress accepts traffic from anywhere into any pod that no other policy selects, including pods added later.',
    fix: 'Add a default-deny ingress policy (`podSelector: {}`, `policyTypes: [Ingress]`, no rules), then allow what is needed.',
  },
  'ingress-from-anywhere': {
    details:
      'An ingress rule from `0.0.0.0/0` or `::/0` admits every address, inside and outside the cluster, into pods that do not look like an edge tier (web, frontend, ingress, gateway...).',
    fix: 'Narrow the CIDR, or select only edge pods; `--edge-label key=value` says which pods are edge pods.',
  },
  'egress-blocks-dns': {
    details:
      'Pods isolated for egress with no rule open to port 53 cannot resolve names: the most common outage after a default-deny egress. DNS needs UDP 53, and TCP 53 for large answers.',
    fix: 'Allow UDP and TCP port 53 to the DNS pods (for example the kube-system namespace with k8s-app=kube-dns).',
  },
  'selects-no-pod': {
    details: 'A policy whose `podSelector` matches no pod of its namespace does nothing today; usually the labels are misspelt.',
    fix: "Fix the podSelector's labels to match the pods it is meant for.",
  },
  'peer-selects-nothing': {
    details: 'A `podSelector` or `namespaceSelector` peer that matches no pod or no namespace admits nothing; the rule is dead.',
    fix: "Fix the peer's labels (namespaces carry `kubernetes.io/metadata.name` for selecting by name).",
  },
  'named-port-unknown': {
    details:
      'A named port matches only destination pods that declare a container port with that name and protocol; when none does, the rule admits nothing.',
    fix: 'Fix the port name or protocol, or use the port number.',
  },
  'except-outside-cidr': {
    details: 'An `ipBlock.except` must lie strictly inside its `cidr`; the API server rejects the policy otherwise.',
    fix: 'Fix the ranges so every except is inside the cidr.',
  },
  'rules-ignored-by-policy-types': {
    details:
      'When `policyTypes` is set explicitly, `ingress` rules in a policy without `Ingress` (or `egress` rules without `Egress`) are ignored by every CNI.',
    fix: 'Add the missing type to policyTypes, or drop the ignored rules.',
  },
  'empty-selector-surprise': {
    details:
      "A peer with only `podSelector: {}` selects every pod of the policy's own namespace, not of the cluster; authors often expect the cluster.",
    fix: 'Add `namespaceSelector: {}` to the same peer if every namespace was meant.',
  },
  'peers-or-not-and': {
    details:
      'A peer with only a namespaceSelector next to a peer with only a podSelector are ORed: either admits. Both selectors in one peer are ANDed, which is often what was meant.',
    fix: 'Put both selectors in one peer (one list item) for AND.',
  },
  'cluster-policy-same-priority': {
    details:
      'Two cluster policies of one tier with the same priority that can match the same connection: which one applies is undefined upstream (network-policy-api ClusterNetworkPolicySpec.Priority), so implementations may differ.',
    fix: 'Give the policies different priorities, in the order you mean them to apply.',
  },
  'admin-deny-shadows-allow': {
    details:
      "An Admin-tier Deny is final: a namespace's NetworkPolicy rule that allows the same traffic never takes effect, which surprises the namespace's owners.",
    fix: 'Narrow the Admin Deny, put a Pass before it for the traffic namespaces may decide on, or drop the NetworkPolicy rule.',
  },
  'pass-with-nothing-below': {
    details:
      'A Pass hands the connection to the next tier; with no NetworkPolicy isolating the subject and no Baseline policy selecting it, the connection is simply allowed.',
    fix: 'Use Accept if allowing is meant, or add the NetworkPolicy or Baseline policy that should decide.',
  },
  'shadowed-rule': {
    details: 'A rule that a broader rule of a policy with the same namespace and podSelector already covers has no effect.',
    fix: 'Remove the narrower rule, or narrow the broader one.',
  },
  'calico-deny-shadows-all': {
    details:
      'A Calico Deny rule with no source, destination or protocol matches every connection of the pods its policy selects, so every later policy of its tier and every later tier (the Kubernetes NetworkPolicies of the default tier included) never decides for them.',
    fix: 'Narrow the Deny, or put a Pass for the traffic later policies should decide before it.',
  },
  'calico-pass-with-nothing-after': {
    details:
      'A Pass hands a connection to the next tier; when no later tier has a policy selecting the pod (and no Kubernetes NetworkPolicy does), the profile allows it: the Pass is an Allow in disguise.',
    fix: 'Use Allow if that is meant, or add the policy that should decide in a later tier.',
  },
  'calico-order-tie': {
    details:
      'Policies of one tier with the same order (or both without one) apply in name order (felix/calc/policy_sorter.go): renaming one changes what is enforced.',
    fix: 'Give each policy its own order.',
  },
  'calico-selects-nothing': {
    details: 'A policy or rule selector that matches no known pod or network set does nothing today; usually a label is misspelt.',
    fix: 'Fix the selector.',
  },
}
