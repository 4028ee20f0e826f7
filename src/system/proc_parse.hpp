// Pure parsers for the /proc files the process kind reads (proc(5)). They take the text
// and never touch the system, so every odd case is a table test: a comm with spaces and
// parentheses, an exe link with the " (deleted)" suffix, cgroup v1/v2 lines, escaped
// mount points. Malformed input gives nullopt, never a guess.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace excise::sys {

// /proc/PID/stat: the fields the process kind needs. comm is between the first '(' and
// the LAST ')' (a process chooses its comm and may put ") R 1" in it).
struct ProcStat {
  int pid = 0;
  std::string comm;
  char state = '?';
  int ppid = 0;
  int pgrp = 0;
  int session = 0;
  std::uint64_t flags = 0;       // field 9: PF_KTHREAD marks kernel threads
  std::uint64_t start_time = 0;  // field 22: clock ticks after boot; with the PID, unique
  bool kernel_thread() const { return (flags & 0x00200000u) != 0; }
  friend bool operator==(const ProcStat&, const ProcStat&) = default;
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// /proc/PID/status "Uid:" line: real, effective, saved set and file system uids.
struct ProcUids {
  std::uint32_t real = 0, effective = 0, saved = 0, fs = 0;
  friend bool operator==(const ProcUids&, const ProcUids&) = default;
};
std::optional<ProcUids> parse_proc_status_uids(std::string_view text);

// The text of the /proc/PID/exe link. The kernel appends " (deleted)" when the file was
// unlinked; a file may also be NAMED "x (deleted)", so `deleted_suffix` only says the text
// ends that way: the caller confirms with the inode's link count (0 once unlinked).
struct ExeLink {
  std::string path;             // without the suffix when it is present
  bool deleted_suffix = false;  // the text ended with " (deleted)"
  friend bool operator==(const ExeLink&, const ExeLink&) = default;
};
ExeLink parse_exe_link(std::string_view text);

// /proc/PID/comm without its trailing newline.
std::string parse_comm(std::string_view text);
// argv[0] from /proc/PID/cmdline (NUL-separated; empty for a zombie or kernel thread).
std::string parse_argv0(std::string_view text);
// The last component of a path ("/opt/acme/bin/acmed" -> "acmed", "acmed" -> "acmed").
std::string_view base_name(std::string_view path);

// /proc/PID/cgroup: the cgroup v2 path (the "0::/path" line), nullopt when the process is
// in no v2 hierarchy (a pure v1 system).
std::optional<std::string> parse_unified_cgroup(std::string_view text);

// /proc/self/mountinfo: where the cgroup v2 hierarchy is mounted with its own root ("/"),
// so that /proc/PID/cgroup paths are relative to it. Octal escapes (\040) are decoded.
// nullopt when no such mount exists.
std::optional<std::string> find_cgroup2_mount(std::string_view mountinfo);

// The systemd service a cgroup v2 path belongs to: the nearest component that ends in
// ".service" ("/system.slice/acme.service/sub" -> unit "acme.service", cgroup
// "/system.slice/acme.service"). nullopt when no component is a service, or when a
// ".slice" or ".scope" comes first: user@1000.service/app.slice/x.scope is a user's
// session, not a part of the service user@1000.service.
struct ServiceCgroup {
  std::string unit;
  std::string cgroup;
  friend bool operator==(const ServiceCgroup&, const ServiceCgroup&) = default;
};
std::optional<ServiceCgroup> service_of_cgroup(std::string_view cgroup_path);

// "populated 0|1" of a cgroup.events file; nullopt when the line is missing.
std::optional<bool> parse_cgroup_populated(std::string_view events);

}  // namespace excise::sys
