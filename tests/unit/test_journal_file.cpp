// FileJournal on real files: what is on disk when append returns, what an existing file
// must be before we append to it, and what a failed append leaves (SAFETY.md S13-S15).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <sched.h>
#include <csignal>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "excise/error.hpp"
#include "exec/fail_points.hpp"
#include "exec/journal.hpp"
#include "journal_sample.hpp"
#include "temp_state_dir.hpp"

using namespace excise;
using namespace excise::testing;

namespace {

constexpr const char* kName = "journal";

json step(int number, std::string_view path = "/opt/acme") {
  return json{{"type", "step-begin"}, {"step", number}, {"path", encode_bytes(path)}};
}

std::string frames(const std::vector<json>& records) {
  std::string bytes;
  for (const auto& record : records)
    bytes += frame_record(record);
  return bytes;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("journal: FileJournal creates a 0600 file and each record is in it when append returns") {
  TempStateDir state;
  FileJournal journal(state.dir, kName);
  struct stat st {};
  REQUIRE(::stat(state.file(kName).c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_size == 0);
  CHECK(journal.path() == state.file(kName));

  std::vector<json> written{journal_header()};
  journal.append(written.back());
  CHECK(state.read(kName) == frames(written));
  for (int i = 1; i <= 5; ++i) {
    written.push_back(step(i, hostile_names()[static_cast<std::size_t>(i)]));
    journal.append(written.back());
    CHECK(state.read(kName) == frames(written));
  }
  const JournalRead read = parse_journal(state.read(kName));
  CHECK(read.corruption.empty());
  CHECK(read.records == written);
  CHECK_FALSE(journal.poisoned());
}

TEST_CASE("journal: FileJournal continues an existing journal") {
  TempStateDir state;
  { FileJournal(state.dir, kName).append(journal_header()); }
  {
    FileJournal again(state.dir, kName);
    again.append(step(1));  // no second header needed, nor allowed to be demanded
  }
  CHECK(parse_journal(state.read(kName)).records == std::vector<json>{journal_header(), step(1)});
}

TEST_CASE("journal: FileJournal cuts a torn tail before appending, so the next record is whole") {
  TempStateDir state;
  const std::string good = frames({journal_header(), step(1)});
  for (const std::string& tail :
       {frame_record(step(2)).substr(0, 17), std::string(300, '\0'),
        frame_record(step(2)).substr(0, frame_record(step(2)).size() - 1)}) {
    state.write(kName, good + tail);
    FileJournal(state.dir, kName).append(step(3));
    const JournalRead read = parse_journal(state.read(kName));
    CHECK(read.corruption.empty());
    CHECK_FALSE(read.torn_tail);
    CHECK(read.records == std::vector<json>{journal_header(), step(1), step(3)});
  }
  SUBCASE("a torn header leaves an empty journal that wants a header again") {
    state.write(kName, frame_record(journal_header()).substr(0, 10));
    FileJournal journal(state.dir, kName);
    CHECK(state.read(kName).empty());
    CHECK_THROWS_AS(journal.append(step(1)), std::invalid_argument);
  }
}

TEST_CASE("journal: FileJournal refuses to append to a corrupt journal") {
  TempStateDir state;
  std::string bytes = frames({journal_header(), step(1), step(2)});
  bytes[bytes.size() - 5] ^= 0x01;
  state.write(kName, bytes);
  try {
    FileJournal journal(state.dir, kName);
    FAIL("opened a corrupt journal");
  } catch (const Error& error) {
    CHECK(error.failure() == Failure::input);
    CHECK(std::string(error.what())
              .find(fmt::format("journal {}: record 3 at byte ", state.file(kName))) == 0);
    CHECK(std::string(error.what()).find("not appending to it") != std::string::npos);
  }
  CHECK(state.read(kName) == bytes);  // evidence kept as it was
}

TEST_CASE("journal: FileJournal opens only a single-link regular file of ours") {
  TempStateDir state;
  const std::string sentinel = state.file("sentinel");
  state.write("sentinel", "precious\n");
  const auto refused = [&](const std::string& expected) {
    const std::string message = message_of([&] { FileJournal journal(state.dir, kName); });
    CAPTURE(message);
    CHECK(message.find(fmt::format("journal {}", state.file(kName))) == 0);
    CHECK(message.find(expected) != std::string::npos);
    CHECK(state.read("sentinel") == "precious\n");
  };
  SUBCASE("a symlink") {
    REQUIRE(::symlink(sentinel.c_str(), state.file(kName).c_str()) == 0);
    refused("is a symbolic link");
  }
  SUBCASE("a hard link to another file") {
    REQUIRE(::link(sentinel.c_str(), state.file(kName).c_str()) == 0);
    refused("has 2 hard links");
  }
  SUBCASE("a FIFO (the open must not block)") {
    REQUIRE(::mkfifo(state.file(kName).c_str(), 0600) == 0);
    refused("is not a regular file");
  }
  SUBCASE("a directory") {
    REQUIRE(::mkdir(state.file(kName).c_str(), 0700) == 0);
    refused("open failed");
  }
  SUBCASE("someone else's file") {
    state.write(kName, "");
    REQUIRE(::chown(state.file(kName).c_str(), 4242, 4242) == 0);
    refused("is owned by uid 4242");
  }
}

TEST_CASE("journal: FileJournal writes nothing for a record that is a bug, and stays usable") {
  TempStateDir state;
  FileJournal journal(state.dir, kName);
  CHECK_THROWS_AS(journal.append(step(1)), std::invalid_argument);  // header first
  journal.append(journal_header());
  CHECK_THROWS_AS(journal.append(json{{"path", "/raw\xff"}}), json::type_error);
  CHECK_FALSE(journal.poisoned());
  journal.append(step(1));
  CHECK(parse_journal(state.read(kName)).records == std::vector<json>{journal_header(), step(1)});
}

TEST_CASE("journal: an injected failure poisons the journal at each of its fail points") {
  struct Case {
    const char* point;
    std::size_t records_on_disk;  // after the failing third append
  };
  for (const Case& c : {Case{"journal.before-write", 2}, Case{"journal.after-write", 3},
                        Case{"journal.after-sync", 3}}) {
    CAPTURE(c.point);
    TempStateDir state;
    FailPointsScope scope(fmt::format("{}:3=eio", c.point));
    FileJournal journal(state.dir, kName);
    journal.append(journal_header());
    journal.append(step(1));
    CHECK(message_of([&] { journal.append(step(2)); }) ==
          fmt::format("fail point {}: injected EIO", c.point));
    CHECK(journal.poisoned());
    const std::string after_failure = state.read(kName);
    CHECK(parse_journal(after_failure).records.size() == c.records_on_disk);
    // Never retried, never written again: later appends fail before touching the file.
    CHECK(message_of([&] { journal.append(step(3)); }) ==
          fmt::format("journal {} is unusable after an earlier failure", state.file(kName)));
    CHECK(state.read(kName) == after_failure);
    CHECK(fail_points::hit_count(c.point) == 3);
  }
}

TEST_CASE("journal: kill -9 at each journal fail point leaves only whole records") {
  struct Case {
    const char* point;
    std::size_t records_on_disk;
  };
  for (const Case& c : {Case{"journal.before-write", 2}, Case{"journal.after-write", 3},
                        Case{"journal.after-sync", 3}}) {
    CAPTURE(c.point);
    TempStateDir state;
    const int status = wait_status_of_child([&] {
      FailPointsScope scope(fmt::format("{}:3=kill", c.point));
      FileJournal journal(state.dir, kName);
      journal.append(journal_header());
      journal.append(step(1));
      journal.append(step(2));
      ::_exit(0);  // not reached
    });
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    const JournalRead read = parse_journal(state.read(kName));
    CHECK(read.corruption.empty());
    CHECK_FALSE(read.torn_tail);
    CHECK(read.records == first_n({journal_header(), step(1), step(2)}, c.records_on_disk));
  }
}

TEST_CASE("journal: a write cut short (file size limit) poisons and leaves a torn tail") {
  TempStateDir state;
  {
    FileJournal journal(state.dir, kName);
    journal.append(journal_header());
  }
  const auto size_before = state.read(kName).size();
  const ChildResult child = run_child_with_output([&](int out) {
    ::signal(SIGXFSZ, SIG_IGN);  // get EFBIG from write instead of dying
    FileJournal journal(state.dir, kName);
    const rlimit limit{size_before + 40, size_before + 40};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    send(out, message_of([&] { journal.append(step(1, std::string(500, 'p'))); }) + "\n");
    send(out, message_of([&] { journal.append(step(2)); }) + "\n");
  });
  REQUIRE(WIFEXITED(child.status));
  CHECK(child.output == fmt::format("journal {0}: write failed: File too large\n"
                                    "journal {0} is unusable after an earlier failure\n",
                                    state.file(kName)));
  const std::string bytes = state.read(kName);
  CHECK(bytes.size() == size_before + 40);  // the short write happened: a partial line
  JournalRead read = parse_journal(bytes);
  CHECK(read.corruption.empty());
  CHECK(read.torn_tail);
  CHECK(read.records == std::vector<json>{journal_header()});

  FileJournal(state.dir, kName).append(step(3));  // the next run cuts the tail first
  read = parse_journal(state.read(kName));
  CHECK(read.corruption.empty());
  CHECK_FALSE(read.torn_tail);
  CHECK(read.records == std::vector<json>{journal_header(), step(3)});
}

TEST_CASE("journal: ENOSPC midway through a record on a full file system") {
  TempStateDir state;
  REQUIRE(::mkdir(state.file("small").c_str(), 0700) == 0);
  const std::string small = state.file("small");
  // In a private mount namespace, so the tmpfs is invisible to others and goes with the
  // child. Output: "skip" or three NUL-separated fields.
  const ChildResult child = run_child_with_output([&](int out) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=64k,mode=0700") != 0) {
      send(out, "skip");
      return;
    }
    const int fd = ::open(small.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const sys::Dir dir(std::make_shared<sys::Fd>(fd), small);
    FileJournal journal(dir, kName);
    journal.append(journal_header());
    // Fill every free page, leaving only the rest of the journal's first page.
    const int filler = ::open((small + "/filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    const std::string block(4096, 'f');
    while (::write(filler, block.data(), block.size()) > 0) {
    }
    ::close(filler);
    std::string message = message_of([&] { journal.append(step(1, std::string(8000, 'p'))); });
    std::string bytes_after_failure = TempStateDir::read_file(small + "/" + kName);
    ::unlink((small + "/filler").c_str());
    FileJournal(dir, kName).append(step(2));
    send(out, message + '\0' + bytes_after_failure + '\0' +
                  TempStateDir::read_file(small + "/" + kName));
  });
  REQUIRE(WIFEXITED(child.status));
  REQUIRE(WEXITSTATUS(child.status) == 0);
  if (child.output == "skip") {
    MESSAGE("skipped: cannot mount a tmpfs in a private namespace here");
    return;
  }
  const auto first_nul = child.output.find('\0');
  const auto second_nul = child.output.find('\0', first_nul + 1);
  REQUIRE(second_nul != std::string::npos);
  const std::string message = child.output.substr(0, first_nul);
  const std::string after_failure = child.output.substr(first_nul + 1, second_nul - first_nul - 1);
  const std::string after_resume = child.output.substr(second_nul + 1);
  CHECK(message ==
        fmt::format("journal {}/{}: write failed: No space left on device", small, kName));
  const std::string header = frame_record(journal_header());
  CHECK(after_failure.size() > header.size());  // part of the record did reach the file
  CHECK(after_failure.size() <
        header.size() + frame_record(step(1, std::string(8000, 'p'))).size());
  JournalRead read = parse_journal(after_failure);
  CHECK(read.corruption.empty());
  CHECK(read.torn_tail);
  CHECK(read.records == std::vector<json>{journal_header()});
  read = parse_journal(after_resume);
  CHECK(read.corruption.empty());
  CHECK(read.records == std::vector<json>{journal_header(), step(2)});
}
