// Prints where the libtorch headers it is compiled against put the c10::TensorImpl members and
// virtual functions that DJL's libdjl_torch.so reads through its own inline copies (see
// docs/gpu.md). Compile one item at a time: -DITEM_V=name (a virtual function's vtable offset),
// -DITEM_F=name (a data member's offset) or -DITEM_S=type (a size). scripts/gpu-probe/abi-probe.sh
// does this.
#include <c10/core/TensorImpl.h>
#include <c10/core/StorageImpl.h>
#include <cstddef>
#include <cstdio>
#include <cstring>

#define STR2(x) #x
#define STR(x) STR2(x)

template <class P>
long vtable_offset(P p) {
    struct { std::ptrdiff_t ptr, adj; } r;  // Itanium C++ ABI member-function pointer
    static_assert(sizeof(P) == sizeof(r), "unexpected member pointer size");
    std::memcpy(&r, &p, sizeof r);
    return (r.ptr & 1) ? static_cast<long>(r.ptr - 1) : -1;  // odd = virtual: 1 + offset
}

struct Peek : c10::TensorImpl {
    static void run() {
#if defined(ITEM_V)
        long off = vtable_offset(&Peek::ITEM_V);
        if (off < 0) std::printf("vtable %-22s not virtual\n", STR(ITEM_V));
        else std::printf("vtable %-22s +0x%lx\n", STR(ITEM_V), off);
#elif defined(ITEM_F)
        std::printf("field  %-22s +0x%zx\n", STR(ITEM_F), offsetof(Peek, ITEM_F));
#elif defined(ITEM_S)
        std::printf("sizeof %-22s 0x%zx\n", STR(ITEM_S), sizeof(ITEM_S));
#endif
    }
};

int main() {
    Peek::run();
    return 0;
}
