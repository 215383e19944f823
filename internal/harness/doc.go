// Package harness runs the operator the way a user does, as processes on loopback:
// envtest's kube-apiserver and etcd (with the CRDs installed), the SailPoint emulator binary
// and the manager binary. hack/run-local (the quick start) and the fault suite in test/fault
// are built on it.
//
// Everything it starts listens on 127.0.0.1 only, and everything it starts it stops.
package harness
