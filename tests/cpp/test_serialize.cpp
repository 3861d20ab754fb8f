// The C++ checkpoint API: .pt files (zip and legacy) against bytes written by
// real torch.save, the restricted pickle reader, the zip container and
// safetensors, including damaged inputs.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "ember/nn/modules.h"
#include "ember/ops/ops.h"
#include "ember/serialize/pickle.h"
#include "ember/serialize/pt_file.h"
#include "ember/serialize/safetensors.h"
#include "ember/serialize/zip.h"

using namespace ember;
using namespace std::string_literals;
using serialize::Value;
using serialize::ValuePtr;

namespace {

std::string unhex(const char* h) {
  std::string out;
  for (size_t i = 0; h[i] && h[i + 1]; i += 2) out += char(std::stoi(std::string(h + i, 2), nullptr, 16));
  return out;
}

// torch 1.13:
//   w = torch.arange(6.).reshape(2, 3)
//   sd = OrderedDict(w=w, b=torch.tensor([1, -2]), v=w[:, 1], h=torch.tensor([0.5, -1.5], dtype=torch.bfloat16))
//   sd._metadata = OrderedDict([('', {'version': 1})]); torch.save(sd, buf)
const char* kTorchZipHex =
    "504b03040000080800000000000000000000000000000000000010001200617263686976652f646174612e706b6c46420e005a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710128580100000077710263746f72"
    "63682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700000073746f72616765710463746f7263680a46"
    "6c6f617453746f726167650a71055801000000307106580300000063707571074b06747108514b004b024b038671094b034b0186710a89"
    "68002952710b74710c52710d580100000062710e68032828680463746f7263680a4c6f6e6753746f726167650a710f5801000000317110"
    "68074b02747111514b004b028571124b018571138968002952711474711552711658010000007671176803282868046805680668074b06"
    "747118514b014b028571194b0385711a8968002952711b74711c52711d580100000068711e68032828680463746f7263680a42466c6f61"
    "74313653746f726167650a711f580100000032712068074b02747121514b004b028571224b018571238968002952712474712552712675"
    "7d712758090000005f6d6574616461746171286800295271295800000000712a7d712b580700000076657273696f6e712c4b0173737362"
    "2e504b07088c729477b0010000b0010000504b0304000008080000000000000000000000000000000000000e001400617263686976652f"
    "646174612f30464210005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a000000000000803f0000004000004040000080400000a040504b070817"
    "90e7911800000018000000504b0304000008080000000000000000000000000000000000000e002c00617263686976652f646174612f31"
    "464228005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0100000000000000feffff"
    "ffffffffff504b07082fda1fca1000000010000000504b0304000008080000000000000000000000000000000000000e00340061726368"
    "6976652f646174612f32464230005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a003fc0bf504b0708e204579e0400000004000000504b0304000008080000000000000000000000000000000000000f00"
    "3f00617263686976652f76657273696f6e46423b005a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a330a504b0708d19e67550200000002000000504b01020000000008080000"
    "000000008c729477b0010000b0010000100000000000000000000000000000000000617263686976652f646174612e706b6c504b010200"
    "00000008080000000000001790e79118000000180000000e0000000000000000000000000000020000617263686976652f646174612f30"
    "504b01020000000008080000000000002fda1fca10000000100000000e0000000000000000000000000068020000617263686976652f64"
    "6174612f31504b0102000000000808000000000000e204579e04000000040000000e00000000000000000000000000e002000061726368"
    "6976652f646174612f32504b0102000000000808000000000000d19e675502000000020000000f00000000000000000000000000540300"
    "00617263686976652f76657273696f6e504b06062c000000000000001e032d000000000000000000050000000000000005000000000000"
    "002f01000000000000d203000000000000504b060700000000010500000000000001000000504b050600000000050005002f010000d203"
    "00000000";

// torch 1.13: torch.save({'w': w, 'v': w[:, 1], 'n': [1, 2.5, 'x']}, buf, _use_new_zipfile_serialization=False)
const char* kTorchLegacyHex =
    "80028a0a6cfc9c46f9206aa850192e80024de9032e80027d710028581000000070726f746f636f6c5f76657273696f6e71014de903580d"
    "0000006c6974746c655f656e6469616e710288580a000000747970655f73697a657371037d710428580500000073686f727471054b0258"
    "03000000696e7471064b0458040000006c6f6e6771074b0475752e80027d710028580100000077710163746f7263682e5f7574696c730a"
    "5f72656275696c645f74656e736f725f76320a71022828580700000073746f72616765710363746f7263680a466c6f617453746f726167"
    "650a710458090000003133353735363635367105580300000063707571064b064e747107514b004b024b038671084b034b018671098963"
    "636f6c6c656374696f6e730a4f726465726564446963740a710a2952710b74710c52710d580100000076710e6802282868036804580900"
    "0000313335373536363536710f68064b064e747110514b014b028571114b0385711289680a2952711374711452711558010000006e7116"
    "5d7117284b01474004000000000000580100000078711865752e80025d710058090000003133353735363635367101612e060000000000"
    "0000000000000000803f0000004000004040000080400000a040";

std::vector<float> floats(const Tensor& t) {
  Tensor c = t.to(Dtype::Float32).contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + c.numel());
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ember_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

// Loading damaged bytes must end in an ember::Error (or succeed), never crash.
bool loads(const std::string& bytes) {
  try {
    serialize::load_bytes(bytes.data(), bytes.size());
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

TEST(Serialize, ReadsTorchZipCheckpoint) {
  std::string data = unhex(kTorchZipHex);
  ValuePtr v = serialize::load_bytes(data.data(), data.size());
  ASSERT_TRUE(v->is_dict());
  EXPECT_TRUE(v->ordered());
  auto sd = serialize::to_named_tensors(*v);
  ASSERT_EQ(sd.size(), 4u);
  EXPECT_EQ(sd[0].first, "w");
  EXPECT_EQ(sd[0].second.sizes(), (Shape{2, 3}));
  EXPECT_EQ(floats(sd[0].second), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(sd[1].second.dtype(), Dtype::Int64);
  EXPECT_EQ(sd[1].second.data_ptr<int64_t>()[1], -2);
  const Tensor& view = sd[2].second;  // w[:, 1]: offset 1, stride 3, same storage as w
  EXPECT_EQ(view.storage_offset(), 1);
  EXPECT_EQ(view.strides(), (Shape{3}));
  EXPECT_EQ(view.storage().get(), sd[0].second.storage().get());
  EXPECT_EQ(floats(view), (std::vector<float>{1, 4}));
  EXPECT_EQ(sd[3].second.dtype(), Dtype::BFloat16);
  EXPECT_EQ(floats(sd[3].second), (std::vector<float>{0.5f, -1.5f}));
  ValuePtr meta = v->attr("_metadata");
  ASSERT_TRUE(meta && meta->ordered());
  EXPECT_EQ(meta->entries()[0].second->get("version")->as_int(), 1);
}

TEST(Serialize, ReadsTorchLegacyCheckpoint) {
  std::string data = unhex(kTorchLegacyHex);
  ValuePtr v = serialize::load_bytes(data.data(), data.size());
  const Tensor& w = v->get("w")->as_tensor();
  const Tensor& view = v->get("v")->as_tensor();
  EXPECT_EQ(floats(view), (std::vector<float>{1, 4}));
  EXPECT_EQ(view.storage().get(), w.storage().get());
  auto& n = v->get("n")->items();
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0]->as_int(), 1);
  EXPECT_EQ(n[1]->as_double(), 2.5);
  EXPECT_EQ(n[2]->as_string(), "x");
}

TEST(Serialize, StateDictRoundTrip) {
  nn::NamedTensors sd = {
      {"a", arange(Scalar(0.0), Scalar(6.0)).reshape({2, 3})},
      {"b", full({3}, Scalar(int64_t(-7)), Dtype::Int64)},
      {"c", full({}, Scalar(1.5), Dtype::Float16)},
      {"d", ones({0, 2}, Dtype::Bool)},
      {"e", arange(Scalar(0.0), Scalar(12.0)).reshape({3, 4}).t()},  // non-contiguous
  };
  std::string path = temp_path("sd.pt");
  serialize::save_state_dict(sd, path);
  auto back = serialize::load_state_dict(path);
  std::remove(path.c_str());
  ASSERT_EQ(back.size(), sd.size());
  for (size_t i = 0; i < sd.size(); ++i) {
    EXPECT_EQ(back[i].first, sd[i].first);
    EXPECT_EQ(back[i].second.dtype(), sd[i].second.dtype());
    EXPECT_EQ(back[i].second.sizes(), sd[i].second.sizes());
    EXPECT_EQ(back[i].second.strides(), sd[i].second.strides());
    EXPECT_EQ(floats(back[i].second), floats(sd[i].second)) << sd[i].first;
  }
}

TEST(Serialize, ModuleStateDictIntoModule) {
  struct Net : nn::Module {
    Tensor scale = register_parameter("scale", full({3}, Scalar(2.0)));
    Tensor steps = register_buffer("steps", zeros({}, Dtype::Int64));
    std::shared_ptr<nn::LayerNorm> norm = register_module("norm", std::make_shared<nn::LayerNorm>(Shape{3}));
  };
  auto a = std::make_shared<Net>();
  a->scale.detach().fill_(Scalar(4.0));
  a->steps.fill_(Scalar(int64_t(9)));
  a->norm->weight.detach().fill_(Scalar(0.25));
  std::string path = temp_path("module.pt");
  serialize::save_state_dict(a->state_dict(), path);
  auto b = std::make_shared<Net>();
  b->load_state_dict(serialize::load_state_dict(path));
  std::remove(path.c_str());
  EXPECT_EQ(floats(b->scale), (std::vector<float>{4, 4, 4}));
  EXPECT_EQ(b->steps.item<int64_t>(), 9);
  EXPECT_EQ(floats(b->norm->weight), (std::vector<float>{0.25f, 0.25f, 0.25f}));
  EXPECT_TRUE(b->scale.requires_grad());  // loading copies values into the existing parameters
}

TEST(Serialize, ValueTreeRoundTripKeepsSharingAndTypes) {
  Tensor x = arange(Scalar(0.0), Scalar(8.0));
  ValuePtr root = Value::dict(/*ordered=*/true);
  ValuePtr xv = Value::tensor(x);
  root->set("x", xv);
  root->set("again", xv);
  root->set("view", Value::tensor(x.narrow(0, 2, 3)));
  root->set("param", Value::tensor(ones({2}).requires_grad_(), /*parameter=*/true));
  root->set(Value::integer(3), Value::tuple({Value::none(), Value::boolean(true), Value::floating(-0.5),
                                             Value::integer(int64_t(1) << 40), Value::integer(-(int64_t(1) << 62))}));
  root->set("bytes", Value::bytes(std::string("\0\xff\x80", 3)));
  root->set("misc", Value::list({Value::size({2, 3}), Value::dtype(Dtype::BFloat16), Value::device(Device("cpu")),
                                 Value::set_of({Value::integer(1)}), Value::string("ünï")}));
  root->set_attr("_metadata", Value::dict(true));
  for (bool zip : {true, false}) {
    serialize::SaveOptions opts;
    opts.zip = zip;
    std::string bytes = serialize::save_bytes(*root, opts);
    ValuePtr back = serialize::load_bytes(bytes.data(), bytes.size());
    EXPECT_EQ(back->get("x").get(), back->get("again").get());  // one object, as saved
    const Tensor& bx = back->get("x")->as_tensor();
    const Tensor& bv = back->get("view")->as_tensor();
    EXPECT_EQ(bv.storage().get(), bx.storage().get());
    EXPECT_EQ(bv.storage_offset(), 2);
    EXPECT_TRUE(back->get("param")->parameter());
    EXPECT_TRUE(back->get("param")->as_tensor().requires_grad());
    EXPECT_FALSE(bx.requires_grad());
    auto& tup = back->entries()[4].second->items();
    EXPECT_EQ(back->entries()[4].first->as_int(), 3);
    EXPECT_TRUE(tup[0]->is_none());
    EXPECT_TRUE(tup[1]->as_bool());
    EXPECT_EQ(tup[2]->as_double(), -0.5);
    EXPECT_EQ(tup[3]->as_int(), int64_t(1) << 40);
    EXPECT_EQ(tup[4]->as_int(), -(int64_t(1) << 62));
    EXPECT_EQ(back->get("bytes")->as_string(), std::string("\0\xff\x80", 3));
    auto& misc = back->get("misc")->items();
    EXPECT_EQ(misc[0]->as_size(), (Shape{2, 3}));
    EXPECT_EQ(misc[1]->as_dtype(), Dtype::BFloat16);
    EXPECT_TRUE(misc[2]->as_device().is_cpu());
    EXPECT_EQ(misc[3]->kind(), Value::Kind::Set);
    EXPECT_EQ(misc[4]->as_string(), "ünï");
    ASSERT_TRUE(back->attr("_metadata"));
    // views load sharing memory
    Tensor(bx).fill_(Scalar(1.0));
    EXPECT_EQ(floats(bv), (std::vector<float>{1, 1, 1}));
  }
}

TEST(Serialize, MapLocation) {
  std::string bytes = serialize::save_bytes(*serialize::state_dict_value({{"w", ones({2})}}));
  serialize::LoadOptions opts;
  std::vector<std::string> seen;
  opts.map_location = [&](const std::string& loc, const Tensor& b) {
    seen.push_back(loc);
    EXPECT_EQ(b.numel(), 8);
    return Device("cpu");
  };
  serialize::load_bytes(bytes.data(), bytes.size(), opts);
  EXPECT_EQ(seen, std::vector<std::string>{"cpu"});
  opts.map_location = [](const std::string&, const Tensor&) { return Device("cuda:0"); };
  try {
    serialize::load_bytes(bytes.data(), bytes.size(), opts);
    FAIL() << "loading to CUDA should fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("without CUDA"), std::string::npos) << e.what();
  }
}

TEST(Serialize, RefusesGlobalsAndOpcodes) {
  auto expect_refusal = [](const std::string& pkl, const std::string& needle) {
    try {
      serialize::unpickle(pkl.data(), pkl.size(), nullptr, "ember.load");
      ADD_FAILURE() << "accepted " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_refusal(std::string("\x80\x02" "cos\nsystem\nX\x02\x00\x00\x00ls\x85R.", 27), "refusing to load 'os.system'");
  expect_refusal("\x80\x02" "c__builtin__\ngetattr\n.", "refusing to load 'builtins.getattr'");
  expect_refusal("(ios\nsystem\n.", "refusing pickle opcode");
  expect_refusal("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n)R.", "called with 0 arguments");
  expect_refusal("\x80\x02" "N)R.", "calling a None");
  expect_refusal("\x80\x02" "]q\x00h\x00" "a."s, "self-referencing");     // l = []; l.append(l)
  expect_refusal("\x80\x02" "h\x05.", "memo key 5 not found");
  expect_refusal("\x80\x02" "a.", "stack underflow");
  expect_refusal("\x80\x02" "K", "truncated");
  expect_refusal("\x80\x02" "Q.", "stack underflow");
  expect_refusal("\x80\x02" "N" "Q.", "unexpected persistent id");
  expect_refusal("\x80\x02" "\x8a\x09" "123456789.", "too large");
  std::string deep = "\x80\x02)";
  for (int i = 0; i < 2000; ++i) deep += "\x85";  // ((((),),),)... 2000 deep
  expect_refusal(deep + ".", "nests tuples");
  std::string deep_lists = "\x80\x02";
  for (int i = 0; i < 5000; ++i) deep_lists += "]";
  for (int i = 0; i < 4999; ++i) deep_lists += "a";
  expect_refusal(deep_lists + ".", "nests containers");
}

TEST(Serialize, PickleNumbersAndStrings) {
  for (int64_t i : {int64_t(0), int64_t(255), int64_t(256), int64_t(65535), int64_t(65536), int64_t(-1), int64_t(INT32_MIN),
                    int64_t(INT32_MAX) + 1, INT64_MIN, INT64_MAX}) {
    serialize::Pickler p({}, "test");
    p.dump(*Value::integer(i));
    ValuePtr back = serialize::unpickle(p.out().data(), p.out().size(), nullptr, "test");
    EXPECT_EQ(back->as_int(), i);
  }
  // Python's own encodings: LONG1 of -1, text INT/FLOAT/LONG of protocol 0, SHORT_BINUNICODE, BINBYTES
  std::string p0 = "(I42\nI01\nF2.5\nL-7L\nVignored\n";
  EXPECT_THROW(serialize::unpickle(p0.data(), p0.size(), nullptr, "t"), Error);  // UNICODE (protocol 0) unsupported
  std::string ok = "\x80\x04(\x8a\x01\xffI42\nI01\nF2.5\nL-7L\n\x8c\x02hiC\x02\x00\x01t."s;
  ValuePtr t = serialize::unpickle(ok.data(), ok.size(), nullptr, "t");
  auto& it = t->items();
  ASSERT_EQ(it.size(), 7u);
  EXPECT_EQ(it[0]->as_int(), -1);
  EXPECT_EQ(it[1]->as_int(), 42);
  EXPECT_TRUE(it[2]->as_bool());
  EXPECT_EQ(it[3]->as_double(), 2.5);
  EXPECT_EQ(it[4]->as_int(), -7);
  EXPECT_EQ(it[5]->as_string(), "hi");
  EXPECT_EQ(it[6]->kind(), Value::Kind::Bytes);
}

TEST(Serialize, ZipRoundTripAndZip64) {
  for (bool z64 : {false, true}) {
    std::string out;
    {
      auto sink = serialize::ByteSink::to_string(out);
      serialize::ZipWriter w(*sink, "test", z64);
      w.add("a/x", "hello", 5);
      w.add("a/empty", "", 0);
      w.finish();
    }
    auto src = serialize::ByteSource::memory(out.data(), out.size());
    serialize::ZipReader r(*src, "test");
    ASSERT_EQ(r.entries().size(), 2u);
    EXPECT_EQ(r.read_string(*r.find("a/x")), "hello");
    EXPECT_EQ(r.read_string(*r.find("a/empty")), "");
    EXPECT_EQ(r.find("nope"), nullptr);
    // a flipped data byte is caught by the CRC
    std::string bad = out;
    bad[bad.find("hello")] ^= 1;
    auto bsrc = serialize::ByteSource::memory(bad.data(), bad.size());
    serialize::ZipReader br(*bsrc, "test");
    EXPECT_THROW(br.read_string(*br.find("a/x")), Error);
  }
}

TEST(Serialize, FuzzTruncatedAndFlippedFiles) {
  ValuePtr root = serialize::state_dict_value({{"w", arange(Scalar(0.0), Scalar(6.0)).reshape({2, 3})}, {"b", ones({2}, Dtype::Bool)}});
  root->set("nested", Value::list({Value::integer(1), Value::tuple({Value::string("s"), Value::floating(2.5)})}));
  for (bool zip : {true, false}) {
    serialize::SaveOptions opts;
    opts.zip = zip;
    std::string good = serialize::save_bytes(*root, opts);
    ASSERT_TRUE(loads(good));
    for (size_t cut = 0; cut < good.size(); ++cut) EXPECT_FALSE(loads(good.substr(0, cut))) << "cut at " << cut;
    for (size_t pos = 0; pos < good.size(); ++pos)
      for (unsigned char mask : {0x01, 0x10, 0x80, 0xff}) {
        std::string bad = good;
        bad[pos] = char(bad[pos] ^ mask);
        loads(bad);
      }
  }
  std::string torch_file = unhex(kTorchZipHex);
  for (size_t cut = 0; cut < torch_file.size(); ++cut) EXPECT_FALSE(loads(torch_file.substr(0, cut)));
}

TEST(Serialize, DamagedFileMessages) {
  auto message = [](const std::string& bytes) -> std::string {
    try {
      serialize::load_bytes(bytes.data(), bytes.size());
    } catch (const Error& e) {
      return e.what();
    }
    return "(loaded)";
  };
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("nonsense").find("not a PyTorch checkpoint"), std::string::npos);
  std::string good = unhex(kTorchZipHex);
  std::string no_record = good;
  // rename the storage record "archive/data/0" in both the local header and the central directory
  for (size_t at = no_record.find("archive/data/0"); at != std::string::npos; at = no_record.find("archive/data/0", at + 1))
    no_record[at + 13] = 'X';
  EXPECT_NE(message(no_record).find("missing the storage record 'archive/data/0'"), std::string::npos) << message(no_record);
}

TEST(Safetensors, RoundTrip) {
  nn::NamedTensors t = {
      {"z", arange(Scalar(0.0), Scalar(6.0)).reshape({2, 3}).t()},
      {"a", full({2}, Scalar(int64_t(5)), Dtype::Int8)},
      {"h", full({}, Scalar(2.5), Dtype::Float16)},
      {"empty", zeros({0, 3}, Dtype::Int64)},
      {"flag", ones({2}, Dtype::Bool)},
  };
  std::string bytes = serialize::safetensors::save(t, {{"format", "pt"}});
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  auto back = serialize::safetensors::load(bytes.data(), bytes.size());
  EXPECT_EQ(back.metadata.at("format"), "pt");
  ASSERT_EQ(back.tensors.size(), 5u);
  EXPECT_EQ(back.tensors[0].first, "a");  // sorted by name
  for (auto& [name, tensor] : back.tensors) {
    auto it = std::find_if(t.begin(), t.end(), [&](auto& p) { return p.first == name; });
    EXPECT_EQ(tensor.dtype(), it->second.dtype());
    EXPECT_EQ(tensor.sizes(), it->second.sizes());
    EXPECT_TRUE(tensor.is_contiguous());
    EXPECT_EQ(floats(tensor), floats(it->second)) << name;
  }
  std::string path = temp_path("t.safetensors");
  serialize::safetensors::save_file(t, path);
  EXPECT_EQ(serialize::safetensors::load_file(path).tensors.size(), 5u);
  std::remove(path.c_str());
}

TEST(Safetensors, HandBuiltFilesAndErrors) {
  auto file = [](const std::string& header, const std::string& data) {
    std::string f;
    for (int k = 0; k < 8; ++k) f += char((uint64_t(header.size()) >> (8 * k)) & 0xff);
    return f + header + data;
  };
  std::string two_floats("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);  // 1.0f, 2.0f
  auto ok = serialize::safetensors::load(
      file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}})", two_floats).data(),
      file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}})", two_floats).size());
  EXPECT_EQ(floats(ok.tensors[0].second), (std::vector<float>{1, 2}));
  auto error = [&](const std::string& bytes) -> std::string {
    try {
      serialize::safetensors::load(bytes.data(), bytes.size());
    } catch (const Error& e) {
      return e.what();
    }
    return "(loaded)";
  };
  auto has = [](const std::string& msg, const char* needle) { return msg.find(needle) != std::string::npos; };
  EXPECT_TRUE(has(error("abc"), "too short"));
  EXPECT_TRUE(has(error(std::string("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10)), "exceeds"));
  EXPECT_TRUE(has(error(file("{}", "")), "") && error(file("{}", "")) == "(loaded)");
  EXPECT_TRUE(has(error(file("[1]", "")), "does not start with '{'"));
  EXPECT_TRUE(has(error(file("{\"x\":", "")), "not valid JSON"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "1234")), "needs 8 bytes"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}})", "1")), "dtype 'Q8'"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}})", "1")), "non-negative"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[1,0]}})", "1")), "end before"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"U8","shape":[1]}})", "1")), "no \"data_offsets\""));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})", "12")), "gap"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"y":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "1")), "overlapping"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "12")), "cover 1 bytes but"));
  EXPECT_TRUE(has(error(file(R"({"__metadata__":{"k":1}})", "")), "not a string"));
  EXPECT_TRUE(has(error(file(R"({"x":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}})", "\x07")), "neither 0 nor 1"));
  // truncations of a valid file never load, flips never crash
  std::string good = serialize::safetensors::save({{"a", ones({3})}, {"b", ones({2}, Dtype::Int16)}});
  for (size_t cut = 0; cut < good.size(); ++cut) EXPECT_TRUE(error(good.substr(0, cut)) != "(loaded)") << cut;
  for (size_t pos = 0; pos < good.size(); ++pos) {
    std::string bad = good;
    bad[pos] ^= 0x41;
    error(bad);
  }
}
