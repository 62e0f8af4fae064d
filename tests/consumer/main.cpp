// Uses the installed yws library: encodes and decodes a lib0 value.
#include <yws/encoding/decoder.hpp>
#include <yws/encoding/encoder.hpp>

#include <cstdio>

int main() {
  yws::encoding::encoder enc;
  enc.write_var_string("yws");
  enc.write_any(yws::encoding::any_object{{"k", 1}});
  yws::encoding::decoder dec(enc.data());
  auto s = dec.read_var_string();
  auto a = dec.read_any();
  if (!s || *s != "yws" || !a || !a->is_object() || !dec.at_end()) {
    std::puts("consumer: round trip failed");
    return 1;
  }
  std::puts("consumer: ok");
  return 0;
}
