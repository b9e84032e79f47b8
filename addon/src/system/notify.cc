// sd_notify sender: one AF_UNIX datagram to $NOTIFY_SOCKET, what libsystemd's sd_notify() does, without
// linking libsystemd. Node's dgram has no Unix datagram sockets, hence this call.
#include "system/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vtlink {
namespace {

std::string ErrnoText(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

// Sends `state` to the socket named by `address` ("/path" or "@abstract"). Throws on failure.
void SendDatagram(Napi::Env env, const std::string& address, const std::string& state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  socklen_t addrLen;
  if (address[0] == '/' || address[0] == '@') {
    if (address.size() >= sizeof(addr.sun_path)) {
      throw Napi::Error::New(env, "notify: NOTIFY_SOCKET is too long for a Unix socket address: " + address);
    }
    std::memcpy(addr.sun_path, address.data(), address.size());
    // Abstract namespace: the leading '@' stands for a NUL byte and the name is not NUL-terminated.
    if (address[0] == '@') addr.sun_path[0] = '\0';
    addrLen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (address[0] == '/' ? 1 : 0));
  } else {
    throw Napi::Error::New(env, "notify: NOTIFY_SOCKET must be an absolute path or start with '@', got '" +
                                    address + "'");
  }
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Napi::Error::New(env, "notify: socket(AF_UNIX, SOCK_DGRAM) failed: " + ErrnoText(errno));
  iovec iov{const_cast<char*>(state.data()), state.size()};
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = addrLen;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t sent;
  do {
    sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  const int err = errno;
  close(fd);
  if (sent < 0) throw Napi::Error::New(env, "notify: sendmsg to '" + address + "' failed: " + ErrnoText(err));
}

// notify(state: string, socket?: string): boolean
// false when no socket is given and NOTIFY_SOCKET is unset or empty (not under systemd).
Napi::Value Notify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "notify(state): state must be a string");
  std::string address;
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    if (!info[1].IsString()) throw Napi::TypeError::New(env, "notify(state, socket): socket must be a string");
    address = info[1].As<Napi::String>().Utf8Value();
  } else {
    const char* fromEnv = std::getenv("NOTIFY_SOCKET");
    if (fromEnv != nullptr) address = fromEnv;
  }
  if (address.empty()) return Napi::Boolean::New(env, false);
  SendDatagram(env, address, info[0].As<Napi::String>().Utf8Value());
  return Napi::Boolean::New(env, true);
}

}  // namespace

void InitNotify(Napi::Env env, Napi::Object exports) { exports.Set("notify", Napi::Function::New(env, Notify, "notify")); }

}  // namespace vtlink
