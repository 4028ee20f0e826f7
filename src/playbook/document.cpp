// One playbook text -> one Playbook: the TOML, the top level, [product], and each
// artifact table handed to its kind. load_playbooks (loader.cpp) adds files and the
// checks across files.
#include <algorithm>
#include <tuple>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "excise/kind.hpp"
#include "playbook/field_reader_impl.hpp"
#include "playbook/ordering.hpp"
#include "playbook/toml_guard.hpp"

namespace excise {
namespace {

constexpr int kSchema = 1;
constexpr std::string_view kPlatforms[] = {"linux", "windows", "macos"};

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::string product_id_check(std::string_view id) {
  bool ok = is_lower_alnum(id[0]) &&
            std::all_of(id.begin(), id.end(), [](char c) { return is_lower_alnum(c) || c == '-'; });
  if (ok) return {};
  return "expected a product id: a-z, 0-9 and '-', starting with a letter or digit";
}

// Like product ids, plus '_' and '.'; never '#', which the default ids ("path#2") use.
std::string artifact_id_check(std::string_view id) {
  bool ok = is_lower_alnum(id[0]) && std::all_of(id.begin(), id.end(), [](char c) {
              return is_lower_alnum(c) || c == '-' || c == '_' || c == '.';
            });
  if (ok) return {};
  return "expected an artifact id: a-z, 0-9, '-', '_' and '.', starting with a letter or digit";
}

std::string platform_check(std::string_view platform) {
  if (std::find(std::begin(kPlatforms), std::end(kPlatforms), platform) != std::end(kPlatforms)) {
    return {};
  }
  return "expected one of linux, windows, macos";
}

std::unique_ptr<FieldReader> reader_for(const toml::table& table, const std::string& file,
                                        std::string section, Diagnostics& diags) {
  return std::make_unique<FieldReader>(std::unique_ptr<FieldReader::Impl>(
      new FieldReader::Impl{table, file, std::move(section), diags, {}, 0}));
}

Product read_product(const toml::table& table, const std::string& file, Diagnostics& diags) {
  auto fields = reader_for(table, file, "[product]", diags);
  Product product;
  product.loc = fields->table_loc();
  if (auto id = fields->string("id", Need::required, product_id_check)) product.id = id->value;
  if (auto name = fields->string("name", Need::required)) product.name = name->value;
  if (auto vendor = fields->string("vendor", Need::optional)) product.vendor = vendor->value;
  for (auto& p : fields->strings("platforms", Need::optional, platform_check)) {
    product.platforms.push_back(p.value);
  }
  ListRules lenient{.allow_empty = true};
  for (auto& b : fields->strings("banned_by", Need::optional, {}, lenient)) {
    product.banned_by.push_back(b.value);
  }
  for (auto& r : fields->strings("references", Need::optional, {}, lenient)) {
    product.references.push_back(r.value);
  }
  fields->report_unknown_keys();
  return product;
}

ArtifactDraft read_artifact(const Kind& kind, const toml::table& table, std::size_t number,
                            const std::string& file, Diagnostics& diags) {
  ArtifactDraft draft;
  draft.section = "[[" + std::string(kind.name()) + "]] #" + std::to_string(number);
  auto fields = reader_for(table, file, draft.section, diags);
  Artifact& artifact = draft.artifact;
  artifact.kind = std::string(kind.name());
  artifact.loc = fields->table_loc();
  if (auto id = fields->string("id", Need::optional, artifact_id_check)) {
    artifact.id = id->value;
    artifact.id_given = true;
    draft.id_loc = id->loc;
  } else {
    artifact.id = artifact.kind + "#" + std::to_string(number);
  }
  artifact.after = fields->strings("after", Need::optional, {}, ListRules{.allow_empty = true});
  const toml::array* after = table.get_as<toml::array>("after");
  draft.after_complete = !after || after->size() == artifact.after.size();
  try {
    artifact.spec = kind.parse(*fields);
  } catch (const Error& e) {  // a kind should report, not throw; never lose the message
    fields->error(artifact.loc, e.what());
  }
  fields->report_unknown_keys();
  return draft;
}

// Every [[kind]] array of the top level, in file order.
std::vector<ArtifactDraft> read_artifacts(const toml::table& root, FieldReader& top,
                                          const std::string& file, Diagnostics& diags) {
  std::vector<ArtifactDraft> drafts;
  for (const Kind* kind : all_kinds()) {
    const std::string name(kind->name());
    top.impl().asked.push_back(name);
    const toml::node* node = root.get(name);
    if (!node) continue;
    const toml::array* array = node->as_array();
    if (!array) {
      top.key_error(name, "expected an array of tables ([[" + name + "]]), got " +
                              std::string(toml_type_name(*node)));
      continue;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::table* table = (*array)[i].as_table();
      if (!table) {
        top.item_error(
            name, i,
            "expected a table ([[" + name + "]]), got " + std::string(toml_type_name((*array)[i])));
        continue;
      }
      drafts.push_back(read_artifact(*kind, *table, i + 1, file, diags));
    }
  }
  std::stable_sort(drafts.begin(), drafts.end(), [](const auto& a, const auto& b) {
    return std::tie(a.artifact.loc.line, a.artifact.loc.column) <
           std::tie(b.artifact.loc.line, b.artifact.loc.column);
  });
  return drafts;
}

}  // namespace

std::vector<Playbook> load_playbook_text(std::string_view text, const PlaybookSource& source,
                                         Diagnostics& diags) {
  const std::size_t errors_before = diags.size();
  const std::string& file = source.path;
  if (auto problem = toml_guard(text)) {
    diags.error({file, problem->line, problem->column}, problem->message);
    return {};
  }
  toml::table root;
  try {
    root = toml::parse(text, std::string_view{file});
  } catch (const toml::parse_error& e) {
    diags.error(loc_of(file, e.source()), "TOML syntax error: " + std::string(e.description()));
    return {};
  }

  Playbook playbook;
  playbook.path = file;
  playbook.origin = source.origin;
  playbook.sha256 = sha256_hex(text);
  playbook.schema = kSchema;

  auto top = reader_for(root, file, "", diags);
  if (auto schema = top->integer("schema", Need::required); schema && schema->value != kSchema) {
    top->key_error("schema", "unsupported schema " + std::to_string(schema->value) +
                                 ": this excise reads schema " + std::to_string(kSchema));
  }
  top->impl().asked.emplace_back("product");
  if (const toml::node* node = root.get("product"); !node) {
    top->error(top->table_loc(), "missing required key 'product'");
  } else if (const toml::table* table = node->as_table()) {
    playbook.product = read_product(*table, file, diags);
  } else {
    top->key_error("product", "expected a table, got " + std::string(toml_type_name(*node)));
  }
  auto drafts = read_artifacts(root, *top, file, diags);
  top->report_unknown_keys();
  check_ordering(drafts, diags);

  if (diags.size() != errors_before) return {};
  for (auto& draft : drafts)
    playbook.artifacts.push_back(std::move(draft.artifact));
  return {std::move(playbook)};
}

}  // namespace excise
