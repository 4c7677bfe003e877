// Fault points for the crash tests: places where the server can be made to die on purpose, so that
// a test can check what a restart finds after a crash at exactly that moment.
//
// Compiled in only when COUPOND_FAULT_POINTS is defined (the CMake option of the same name, on by
// default, off in the Release builds of the demo and the benchmarks). Then the environment variable
// COUPOND_FAULT_POINT=NAME[:N] makes the N-th pass (default the first) through the point called
// NAME kill the process with SIGKILL on the spot: no destructor, no flush, as a power cut would.
// COUPOND_FAULT_SWITCH=NAME:PATH turns the point NAME on for as long as the file PATH exists, so
// that a test can cut a running server off (from etcd, say) at the moment it chooses, and back, or
// slow it down (its link to a standby) for a whole run.
#pragma once

namespace coupond::journal {

#ifdef COUPOND_FAULT_POINTS
void fault_point(const char* name);
// The same arming, but instead of killing the process the N-th pass answers true: the caller then
// fails as the system call it stands for would (a full disk, say), or answers what it would
// answer on another machine (a client's address that is not loopback).
bool fault_injected(const char* name);
// True while the point is switched on (COUPOND_FAULT_SWITCH); a stat() per call, so for slow
// paths only.
bool fault_switched_on(const char* name);
#else
inline void fault_point(const char*) {}
inline bool fault_injected(const char*) { return false; }
inline bool fault_switched_on(const char*) { return false; }
#endif

}  // namespace coupond::journal
