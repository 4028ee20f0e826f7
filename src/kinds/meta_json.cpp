#include "kinds/meta_json.hpp"

#include "excise/bytes.hpp"

namespace excise {

nlohmann::json meta_to_json(const sys::FileMeta& meta) {
  nlohmann::json xattrs = nlohmann::json::array();
  for (const auto& [name, value] : meta.xattrs)
    xattrs.push_back({encode_bytes(name), encode_bytes(value)});
  return {{"mode", meta.mode},
          {"uid", meta.uid},
          {"gid", meta.gid},
          {"atime", {meta.atime.sec, meta.atime.nsec}},
          {"mtime", {meta.mtime.sec, meta.mtime.nsec}},
          {"xattrs", xattrs}};
}

sys::FileMeta meta_from_json(const nlohmann::json& j) {
  sys::FileMeta meta;
  meta.mode = j.at("mode");
  meta.uid = j.at("uid");
  meta.gid = j.at("gid");
  meta.atime = {j.at("atime")[0], j.at("atime")[1]};
  meta.mtime = {j.at("mtime")[0], j.at("mtime")[1]};
  for (const auto& x : j.at("xattrs")) {
    meta.xattrs.emplace_back(decode_bytes(x[0].get<std::string>()),
                             decode_bytes(x[1].get<std::string>()));
  }
  return meta;
}

}  // namespace excise
