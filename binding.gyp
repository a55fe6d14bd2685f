{
  "targets": [
    {
      "target_name": "aigc_native",
      "sources": [
        "native/addon.cc",
        "native/common.cc",
        "native/tensor.cc",
        "native/shape.cc",
        "native/math.cc",
        "native/nn.cc",
        "native/autograd.cc",
        "native/optim.cc",
        "native/random.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libtorch.mjs include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "_GLIBCXX_USE_CXX11_ABI=<!(node scripts/find-libtorch.mjs abi)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter"],
      "libraries": [
        "-L<!(node scripts/find-libtorch.mjs lib)",
        "-Wl,-rpath,<!(node scripts/find-libtorch.mjs lib)",
        "-Wl,--no-as-needed",
        "-lc10",
        "-ltorch_cpu",
        "-ltorch",
        "-Wl,--as-needed"
      ],
      "conditions": [
        [
          "'<!(node scripts/find-libtorch.mjs cuda)'=='1'",
          {
            "libraries": ["-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed"],
            "defines": ["AIGC_WITH_CUDA=1"]
          }
        ]
      ]
    }
  ]
}
