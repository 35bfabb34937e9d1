#pragma once
// How the strict TOML checkers (config, app catalog, policy) describe a value in an error
// message. Internal and header-only; included only by the .cpp files that already use toml++.
#include <fmt/format.h>

#include <string>
#include <toml++/toml.h>

namespace egressmon::toml_text {

/// "a string", "an integer", ... for "expected X, got <typeName>".
inline std::string typeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

/// A scalar as written ("\"DE\"", "42"), else its type name.
inline std::string shown(const toml::node& n) {
  if (auto s = n.as_string()) return fmt::format("\"{}\"", s->get());
  if (auto i = n.as_integer()) return std::to_string(i->get());
  return typeName(n);
}

}  // namespace egressmon::toml_text
