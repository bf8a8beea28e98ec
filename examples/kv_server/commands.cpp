// SPDX-License-Identifier: MIT
// The command table: replies shaped as redis 7's, error texts included.

#include "commands.hpp"

#include <algorithm>
#include <cctype>

#include "reply.hpp"

namespace kv {

namespace {

using Args = std::vector<std::string_view>;

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

void wrong_arity(std::string& out, std::string_view name) {
  out += "-ERR wrong number of arguments for '";
  out += name;
  out += "' command\r\n";
}

void not_integer(std::string& out) { append_error(out, "value is not an integer or out of range"); }

void unknown(const Args& args, std::string& out) {
  out += "-ERR unknown command '";
  out += args[0];
  out += "', with args beginning with: ";
  for (std::size_t i = 1; i < args.size(); ++i) {
    out += '\'';
    out += args[i].substr(0, 128);
    out += "' ";
  }
  out += "\r\n";
}

void cmd_set(Store& store, const Args& args, std::string& out) {
  std::int64_t expire_at = 0;
  Store::SetCond cond = Store::SetCond::always;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string_view opt = args[i];
    if (equals_ci(opt, "nx") && cond != Store::SetCond::if_present) {
      cond = Store::SetCond::if_absent;
    } else if (equals_ci(opt, "xx") && cond != Store::SetCond::if_absent) {
      cond = Store::SetCond::if_present;
    } else if ((equals_ci(opt, "ex") || equals_ci(opt, "px")) && expire_at == 0 &&
               i + 1 < args.size()) {
      std::int64_t n = 0;
      if (!parse_integer(args[++i], n)) return not_integer(out);
      const std::int64_t unit = equals_ci(opt, "ex") ? 1000 : 1;
      if (n <= 0 || n > INT64_MAX / 1000 / unit) {
        return append_error(out, "invalid expire time in 'set' command");
      }
      expire_at = now_ms() + n * unit;
    } else {
      return append_error(out, "syntax error");
    }
  }
  if (store.set(args[1], args[2], expire_at, cond)) {
    out += "+OK\r\n";
  } else {
    out += "$-1\r\n";
  }
}

void cmd_incr(Store& store, std::string_view key, std::int64_t delta, std::string& out) {
  std::int64_t v = 0;
  switch (store.incr(key, delta, v)) {
    case Store::IncrStatus::ok: return append_int(out, v);
    case Store::IncrStatus::not_integer: return not_integer(out);
    case Store::IncrStatus::overflow:
      return append_error(out, "increment or decrement would overflow");
  }
}

void cmd_config(const Args& args, std::string& out) {
  if (args.size() < 2) return wrong_arity(out, "config");
  if (!equals_ci(args[1], "get")) {
    out += "-ERR unknown subcommand '";
    out += args[1];
    out += "'. Try CONFIG HELP.\r\n";
    return;
  }
  if (args.size() < 3) return wrong_arity(out, "config|get");
  // What redis-benchmark asks for; any other parameter is reported as unknown (empty).
  std::string body;
  std::size_t n = 0;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string name = lower(args[i]);
    const char* value = name == "save" ? "" : name == "appendonly" ? "no" : nullptr;
    if (value == nullptr) continue;
    append_bulk(body, name);
    append_bulk(body, value);
    n += 2;
  }
  append_array(out, n);
  out += body;
}

}  // namespace

Session::~Session() {
  for (const std::string& c : channels_) server_.pubsub.remove(c);
}

bool Session::wants(const Message& m) const noexcept {
  return std::find(channels_.begin(), channels_.end(), m.channel) != channels_.end();
}

void Session::subscribe(const Args& args, std::string& out) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!rx_.valid()) rx_ = server_.pubsub.receiver();
    if (std::find(channels_.begin(), channels_.end(), args[i]) == channels_.end()) {
      channels_.emplace_back(args[i]);
      server_.pubsub.add(args[i]);
    }
    append_array(out, 3);
    append_bulk(out, "subscribe");
    append_bulk(out, args[i]);
    append_int(out, static_cast<std::int64_t>(channels_.size()));
  }
}

void Session::leave(std::size_t index, std::string& out) {
  server_.pubsub.remove(channels_[index]);
  append_array(out, 3);
  append_bulk(out, "unsubscribe");
  append_bulk(out, channels_[index]);
  channels_.erase(channels_.begin() + static_cast<std::ptrdiff_t>(index));
  append_int(out, static_cast<std::int64_t>(channels_.size()));
}

void Session::unsubscribe(const Args& args, std::string& out) {
  if (args.size() == 1) {
    if (channels_.empty()) out += "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n";
    while (!channels_.empty()) leave(0, out);
  } else {
    for (std::size_t i = 1; i < args.size(); ++i) {
      const auto it = std::find(channels_.begin(), channels_.end(), args[i]);
      if (it != channels_.end()) {
        leave(static_cast<std::size_t>(it - channels_.begin()), out);
      } else {
        append_array(out, 3);
        append_bulk(out, "unsubscribe");
        append_bulk(out, args[i]);
        append_int(out, static_cast<std::int64_t>(channels_.size()));
      }
    }
  }
  // Out of subscriber mode: let go of the ring.
  if (channels_.empty()) rx_ = {};
}

void Session::execute(const Args& args, std::string& out) {
  Store& store = server_.store;
  const std::string_view cmd = args[0];
  const std::size_t argc = args.size();

  if (subscribed() && !equals_ci(cmd, "subscribe") && !equals_ci(cmd, "unsubscribe") &&
      !equals_ci(cmd, "ping") && !equals_ci(cmd, "quit")) {
    out += "-ERR Can't execute '";
    out += lower(cmd);
    out += "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in "
           "this context\r\n";
    return;
  }

  if (equals_ci(cmd, "get")) {
    if (argc != 2) return wrong_arity(out, "get");
    store.get_into(args[1], out);
  } else if (equals_ci(cmd, "set")) {
    if (argc < 3) return wrong_arity(out, "set");
    cmd_set(store, args, out);
  } else if (equals_ci(cmd, "ping")) {
    if (argc > 2) return wrong_arity(out, "ping");
    if (subscribed()) {
      out += "*2\r\n$4\r\npong\r\n";
      append_bulk(out, argc == 2 ? args[1] : std::string_view());
    } else if (argc == 2) {
      append_bulk(out, args[1]);
    } else {
      out += "+PONG\r\n";
    }
  } else if (equals_ci(cmd, "incr") || equals_ci(cmd, "decr")) {
    if (argc != 2) return wrong_arity(out, lower(cmd));
    cmd_incr(store, args[1], equals_ci(cmd, "incr") ? 1 : -1, out);
  } else if (equals_ci(cmd, "mset")) {
    if (argc < 3 || argc % 2 == 0) return wrong_arity(out, "mset");
    for (std::size_t i = 1; i + 1 < argc; i += 2) {
      (void)store.set(args[i], args[i + 1], 0, Store::SetCond::always);
    }
    out += "+OK\r\n";
  } else if (equals_ci(cmd, "mget")) {
    if (argc < 2) return wrong_arity(out, "mget");
    append_array(out, argc - 1);
    for (std::size_t i = 1; i < argc; ++i) store.get_into(args[i], out);
  } else if (equals_ci(cmd, "del") || equals_ci(cmd, "exists")) {
    if (argc < 2) return wrong_arity(out, lower(cmd));
    const bool del = equals_ci(cmd, "del");
    std::int64_t n = 0;
    for (std::size_t i = 1; i < argc; ++i) n += del ? store.del(args[i]) : store.exists(args[i]);
    append_int(out, n);
  } else if (equals_ci(cmd, "echo")) {
    if (argc != 2) return wrong_arity(out, "echo");
    append_bulk(out, args[1]);
  } else if (equals_ci(cmd, "expire")) {
    if (argc != 3) return wrong_arity(out, "expire");
    std::int64_t secs = 0;
    if (!parse_integer(args[2], secs)) return not_integer(out);
    if (secs > INT64_MAX / 1000 - now_ms() || secs < INT64_MIN / 1000 + now_ms()) {
      return append_error(out, "invalid expire time in 'expire' command");
    }
    append_int(out, store.expire_at(args[1], now_ms() + secs * 1000) ? 1 : 0);
  } else if (equals_ci(cmd, "ttl")) {
    if (argc != 2) return wrong_arity(out, "ttl");
    const std::int64_t ms = store.ttl_ms(args[1]);
    append_int(out, ms < 0 ? ms : (ms + 500) / 1000);
  } else if (equals_ci(cmd, "keys")) {
    if (argc != 2) return wrong_arity(out, "keys");
    std::vector<std::string> keys;
    store.keys(args[1], keys);
    append_array(out, keys.size());
    for (const std::string& k : keys) append_bulk(out, k);
  } else if (equals_ci(cmd, "dbsize")) {
    if (argc != 1) return wrong_arity(out, "dbsize");
    append_int(out, static_cast<std::int64_t>(store.size()));
  } else if (equals_ci(cmd, "flushdb")) {
    if (argc > 2) return wrong_arity(out, "flushdb");
    if (argc == 2 && !equals_ci(args[1], "sync") && !equals_ci(args[1], "async")) {
      return append_error(out, "syntax error");
    }
    store.flush();
    out += "+OK\r\n";
  } else if (equals_ci(cmd, "publish")) {
    if (argc != 3) return wrong_arity(out, "publish");
    append_int(out, server_.pubsub.publish(args[1], args[2]));
  } else if (equals_ci(cmd, "subscribe")) {
    if (argc < 2) return wrong_arity(out, "subscribe");
    subscribe(args, out);
  } else if (equals_ci(cmd, "unsubscribe")) {
    unsubscribe(args, out);
  } else if (equals_ci(cmd, "quit")) {
    quit_ = true;
    out += "+OK\r\n";
  } else if (equals_ci(cmd, "config")) {
    cmd_config(args, out);
  } else {
    unknown(args, out);
  }
}

}  // namespace kv
