package dev.ferry.agent.host;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The heartbeat guest: a 512-byte boot sector, assembled here instruction by instruction (the
 * listing is the source; no assembler or download is needed). The BIOS loads it at 0x7C00 in real
 * mode; it then
 * <ol>
 *   <li>sets COM1 and COM2 to 115200 8N1 and prints {@code boot} on COM1;</li>
 *   <li>sets the PIT to 100 Hz (the BIOS's IRQ 0 handler counts the ticks at 0040:006C);</li>
 *   <li>enters "unreal" mode (FS with a 4 GiB limit) so that it can write above 1 MiB;</li>
 *   <li>loops: HLT until the tick count changes, then prints the next value of a counter (1, 2, 3,
 *       ...) as a decimal line, and writes one dword into each of the next {@code pagesPerTick}
 *       4 KiB pages of the region from 1 MiB to {@code regionEnd}, round and round.</li>
 * </ol>
 * Whenever it wakes, what waits on COM2 (the host's notices: {@code notice ...} lines) is read into a
 * line buffer, and each complete line is echoed to COM1 whole, so the console shows when the guest
 * read it, and a counter line never lands inside one.
 * So the serial port shows a rising counter at 100 lines a second of guest time; after a live
 * migration it goes on from where it was, after a restart it starts again at 1 after a new
 * {@code boot}. With {@code pagesPerTick = 0} the guest only idles (HLT between beats), so dozens
 * fit on two cores; otherwise it dirties {@code pagesPerTick × 100 × 4 KiB} per second.
 */
public final class GuestImage {
    /** Beats per second of guest time (the PIT's rate). */
    public static final int HZ = 100;
    private static final int PIT_DIVISOR = 1_193_182 / HZ;
    private static final int ORG = 0x7C00;
    private static final long REGION_START = 0x10_0000;
    /** Free conventional memory below the stack: the notice line's length (a word), then the line. */
    private static final int NOTICE_LENGTH = 0x0500;
    private static final int NOTICE_BUFFER = 0x0600;
    private static final int NOTICE_MAX = 250;
    /**
     * Polls for a line's next byte: QEMU hands one byte at a time to the guest, each once its own
     * loop runs, which on a busy machine can take milliseconds; a line is rarely under way, so the
     * guest may wait that long for it.
     */
    private static final int NOTICE_POLLS = 250_000;

    private GuestImage() {
    }

    /**
     * A boot sector that dirties {@code dirtyMiBPerSecond} of memory per second in a region from
     * 1 MiB up to {@code memoryMiB − 2} MiB (0 for an idle guest).
     */
    public static byte[] build(int dirtyMiBPerSecond, int memoryMiB) {
        if (dirtyMiBPerSecond < 0 || memoryMiB < 8) {
            throw new IllegalArgumentException("dirty rate must be ≥ 0 and memory at least 8 MiB");
        }
        long pagesPerTick = Math.round(dirtyMiBPerSecond * 256.0 / HZ);
        long regionEnd = (memoryMiB - 2L) << 20;
        return assemble(pagesPerTick, regionEnd);
    }

    private static byte[] assemble(long pagesPerTick, long regionEnd) {
        Asm a = new Asm();
        setUp(a);
        mainLoop(a);
        subroutines(a);
        notices(a);
        data(a, pagesPerTick, regionEnd);
        return a.sector();
    }

    /** Segments and stack, COM1 at 115200 baud, the timer at HZ, unreal mode for the 4 GiB reach, then "boot". */
    private static void setUp(Asm a) {
        a.op(0xFA);                                  // cli
        a.op(0x31, 0xC0);                            // xor ax, ax
        a.op(0x8E, 0xD8);                            // mov ds, ax
        a.op(0x8E, 0xC0);                            // mov es, ax
        a.op(0x8E, 0xD0);                            // mov ss, ax
        a.op(0xBC).w(0x7C00);                        // mov sp, 0x7C00
        a.op(0xFC);                                  // cld
        // COM1: divisor 1 (115200 baud), 8 data bits, no parity, 1 stop bit
        a.outDx(0x3FB, 0x80);                        // line control: DLAB
        a.outDx(0x3F8, 0x01);                        // divisor low
        a.outDx(0x3F9, 0x00);                        // divisor high
        a.outDx(0x3FB, 0x03);                        // 8N1, DLAB off
        // COM2, the same: the host's notices arrive on it
        a.outDx(0x2FB, 0x80);
        a.outDx(0x2F8, 0x01);
        a.outDx(0x2F9, 0x00);
        a.outDx(0x2FB, 0x03);
        a.op(0xC7, 0x06).w(NOTICE_LENGTH).w(0);      // mov word [length], 0   (a reset keeps RAM)
        // no FIFO: turning it on clears what the host sent already, so bytes come one at a time
        // PIT channel 0, mode 3, divisor for HZ
        a.op(0xB0, 0x36).op(0xE6, 0x43);             // mov al, 0x36; out 0x43, al
        a.op(0xB0, PIT_DIVISOR & 0xFF).op(0xE6, 0x40); // mov al, lo; out 0x40, al
        a.op(0xB0, PIT_DIVISOR >> 8).op(0xE6, 0x40);  // mov al, hi; out 0x40, al
        // A20 on (fast gate), then unreal mode: FS keeps a 4 GiB limit after returning to real mode
        a.op(0xE4, 0x92).op(0x0C, 0x02).op(0xE6, 0x92); // in al, 0x92; or al, 2; out 0x92, al
        a.op(0x0F, 0x01, 0x16).ref("gdtr");          // lgdt [gdtr]
        a.op(0x0F, 0x20, 0xC0);                      // mov eax, cr0
        a.op(0x0C, 0x01);                            // or al, 1
        a.op(0x0F, 0x22, 0xC0);                      // mov cr0, eax   (protected mode)
        a.op(0xBB).w(0x0008);                        // mov bx, 8      (the flat data descriptor)
        a.op(0x8E, 0xE3);                            // mov fs, bx
        a.op(0x24, 0xFE);                            // and al, 0xFE
        a.op(0x0F, 0x22, 0xC0);                      // mov cr0, eax   (real mode again)
        a.op(0x31, 0xDB);                            // xor bx, bx
        a.op(0x8E, 0xE3);                            // mov fs, bx     (base 0, the 4 GiB limit stays)
        a.op(0xBE).ref("bootmsg");                   // mov si, bootmsg
        a.call("puts");
        a.op(0xFB);                                  // sti
    }

    /** Every tick: the counter goes up and is printed, and pagesPerTick pages of the region are written. */
    private static void mainLoop(Asm a) {
        a.label("loop");
        a.op(0xF4);                                  // hlt
        a.call("notice");                            // a line on COM2 is echoed first
        a.op(0x66, 0xA1).w(0x046C);                  // mov eax, [0x046C]   (BIOS tick count)
        a.op(0x66, 0x3B, 0x06).ref("last");          // cmp eax, [last]
        a.jcc(0x74, "loop");                         // je loop
        a.op(0x66, 0xA3).ref("last");                // mov [last], eax
        a.op(0x66, 0xFF, 0x06).ref("counter");       // inc dword [counter]
        a.call("printcounter");
        // dirty pagesPerTick pages
        a.op(0x66, 0x8B, 0x0E).ref("pages");         // mov ecx, [pages]
        a.op(0x66, 0x85, 0xC9);                      // test ecx, ecx
        a.jcc(0x74, "loop");                         // jz loop
        a.op(0x66, 0x8B, 0x36).ref("cursor");        // mov esi, [cursor]
        a.label("dirty");
        a.op(0x64, 0x67, 0x66, 0x89, 0x06);          // mov [fs:esi], eax
        a.op(0x66, 0x81, 0xC6).d(4096);              // add esi, 4096
        a.op(0x66, 0x3B, 0x36).ref("regionend");     // cmp esi, [regionend]
        a.jcc(0x72, "inregion");                     // jb inregion
        a.op(0x66, 0xBE).d(REGION_START);            // mov esi, 1 MiB
        a.label("inregion");
        a.op(0x66, 0x49);                            // dec ecx
        a.jcc(0x75, "dirty");                        // jnz dirty
        a.op(0x66, 0x89, 0x36).ref("cursor");        // mov [cursor], esi
        a.jmp("loop");
    }

    private static void subroutines(Asm a) {
        // printcounter: the counter in decimal and a newline
        a.label("printcounter");
        a.op(0x66, 0xA1).ref("counter");             // mov eax, [counter]
        a.op(0xBF).ref("digitsend");                 // mov di, digitsend
        a.op(0x66, 0xBB).d(10);                      // mov ebx, 10
        a.label("digit");
        a.op(0x66, 0x31, 0xD2);                      // xor edx, edx
        a.op(0x66, 0xF7, 0xF3);                      // div ebx
        a.op(0x80, 0xC2, '0');                       // add dl, '0'
        a.op(0x4F);                                  // dec di
        a.op(0x88, 0x15);                            // mov [di], dl
        a.op(0x66, 0x85, 0xC0);                      // test eax, eax
        a.jcc(0x75, "digit");                        // jnz digit
        a.op(0x89, 0xFE);                            // mov si, di
        a.call("puts");                              // the digits (digitsend holds the newline and 0)
        a.op(0xC3);                                  // ret

        // puts: the zero-terminated string at si to COM1
        a.label("puts");
        a.op(0xAC);                                  // lodsb
        a.op(0x84, 0xC0);                            // test al, al
        a.jcc(0x74, "putsdone");                     // jz putsdone
        a.call("putc");
        a.jmp("puts");
        a.label("putsdone");
        a.op(0xC3);                                  // ret

        // putc: the character in al to COM1 (al and dx kept)
        a.label("putc");
        a.op(0x52);                                  // push dx
        a.op(0x88, 0xC4);                            // mov ah, al
        a.op(0xBA).w(0x3FD);                         // mov dx, 0x3FD   (line status)
        a.label("wait");
        a.op(0xEC);                                  // in al, dx
        a.op(0xA8, 0x20);                            // test al, 0x20   (transmitter empty)
        a.jcc(0x74, "wait");                         // jz wait
        a.op(0xBA).w(0x3F8);                         // mov dx, 0x3F8
        a.op(0x88, 0xE0);                            // mov al, ah
        a.op(0xEE);                                  // out dx, al
        a.op(0x5A);                                  // pop dx
        a.op(0xC3);                                  // ret
    }

    /** The notice port's reader (called at every wake). */
    private static void notices(Asm a) {
        // notice: the bytes waiting on COM2 go into the line buffer (at NOTICE_BUFFER, its length at
        // NOTICE_LENGTH); a newline prints the whole line to COM1. A line is never printed in pieces, so a
        // counter line never lands inside it. With nothing under way it looks once; while a line is under
        // way, up to NOTICE_POLLS polls after each byte collect the rest, a byte at a time; what is left
        // (the host's write cut off) waits for the next wake.
        a.label("notice");
        a.op(0x66, 0xB9).d(1);                       // mov ecx, 1      (idle: one look)
        a.op(0x83, 0x3E).w(NOTICE_LENGTH).op(0x00);  // cmp word [length], 0
        a.jcc(0x74, "noticepoll");                   // je noticepoll
        a.label("noticemore");
        a.op(0x66, 0xB9).d(NOTICE_POLLS);            // mov ecx, NOTICE_POLLS   (a line under way: polls for its next byte)
        a.label("noticepoll");
        a.op(0xBA).w(0x2FD);                         // mov dx, 0x2FD   (COM2 line status)
        a.op(0xEC);                                  // in al, dx
        a.op(0x3C, 0xFF);                            // cmp al, 0xFF    (no UART answers there: a machine without COM2)
        a.jcc(0x74, "noticeret");                    // je noticeret
        a.op(0xA8, 0x01);                            // test al, 1      (data ready)
        a.jcc(0x75, "noticebyte");                   // jnz noticebyte
        a.op(0x66, 0x49);                            // dec ecx
        a.jcc(0x75, "noticepoll");                   // jnz noticepoll
        a.label("noticeret");
        a.op(0xC3);                                  // ret
        a.label("noticebyte");
        a.op(0xBA).w(0x2F8);                         // mov dx, 0x2F8
        a.op(0xEC);                                  // in al, dx
        a.op(0x8B, 0x1E).w(NOTICE_LENGTH);           // mov bx, [length]
        a.op(0x3C, 0x0A);                            // cmp al, 10
        a.jcc(0x74, "noticeline");                   // je noticeline
        a.op(0x81, 0xFB).w(NOTICE_MAX);              // cmp bx, NOTICE_MAX
        a.jcc(0x73, "notice");                       // jae notice      (full: the byte is dropped)
        a.op(0x88, 0x87).w(NOTICE_BUFFER);           // mov [bx + buffer], al
        a.op(0xFF, 0x06).w(NOTICE_LENGTH);           // inc word [length]
        a.jmp("noticemore");
        a.label("noticeline");
        a.op(0xC7, 0x87).w(NOTICE_BUFFER).w(0x000A); // mov word [bx + buffer], 0x000A   ("\n", 0)
        a.op(0xBE).w(NOTICE_BUFFER);                 // mov si, buffer
        a.call("puts");
        a.op(0xC7, 0x06).w(NOTICE_LENGTH).w(0);      // mov word [length], 0
        a.jmp("notice");
    }

    private static void data(Asm a, long pagesPerTick, long regionEnd) {
        a.align(4);
        a.label("counter").d(0);
        a.label("last").d(0);
        a.label("cursor").d(REGION_START);
        a.label("pages").d(pagesPerTick);
        a.label("regionend").d(regionEnd);
        a.label("gdt").d(0).d(0);                    // null descriptor
        a.op(0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00); // flat data: base 0, limit 4 GiB, read/write
        a.label("gdtr").w(15).d(0).fixGdtr("gdtr", "gdt");
        a.label("bootmsg").op('b', 'o', 'o', 't', '\n', 0);
        a.label("digits").op(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        a.label("digitsend").op('\n', 0);
    }

    /** Just enough of an x86 assembler: bytes, 16-bit absolute references to labels, short jumps, near calls. */
    private static final class Asm {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<String, Integer> labels = new HashMap<>();
        private final List<Object[]> fixups = new ArrayList<>(); // {kind, position, label}

        Asm op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Asm w(int v) {
            return op(v & 0xFF, (v >> 8) & 0xFF);
        }

        Asm d(long v) {
            return op((int) (v & 0xFF), (int) ((v >> 8) & 0xFF), (int) ((v >> 16) & 0xFF), (int) ((v >> 24) & 0xFF));
        }

        Asm outDx(int port, int value) {
            return op(0xBA).w(port).op(0xB0, value, 0xEE); // mov dx, port; mov al, value; out dx, al
        }

        Asm label(String name) {
            if (labels.put(name, out.size()) != null) {
                throw new IllegalStateException("label twice: " + name);
            }
            return this;
        }

        /** A 16-bit absolute address of a label (ORG-based). */
        Asm ref(String name) {
            fixups.add(new Object[] {"abs16", out.size(), name});
            return w(0);
        }

        Asm jcc(int opcode, String target) {
            op(opcode);
            fixups.add(new Object[] {"rel8", out.size(), target});
            return op(0);
        }

        Asm jmp(String target) {
            op(0xE9);
            fixups.add(new Object[] {"rel16", out.size(), target});
            return w(0);
        }

        Asm call(String target) {
            op(0xE8);
            fixups.add(new Object[] {"rel16", out.size(), target});
            return w(0);
        }

        Asm align(int n) {
            while (out.size() % n != 0) {
                out.write(0x90);
            }
            return this;
        }

        /** The GDT register's base: the GDT's linear address. */
        Asm fixGdtr(String gdtr, String gdt) {
            fixups.add(new Object[] {"gdtbase", gdtr, gdt});
            return this;
        }

        byte[] sector() {
            byte[] code = out.toByteArray();
            for (Object[] f : fixups) {
                switch ((String) f[0]) {
                    case "abs16" -> put16(code, (int) f[1], ORG + at((String) f[2]));
                    case "rel16" -> put16(code, (int) f[1], at((String) f[2]) - ((int) f[1] + 2));
                    case "rel8" -> {
                        int rel = at((String) f[2]) - ((int) f[1] + 1);
                        if (rel < -128 || rel > 127) {
                            throw new IllegalStateException("short jump out of range to " + f[2]);
                        }
                        code[(int) f[1]] = (byte) rel;
                    }
                    case "gdtbase" -> put16(code, at((String) f[1]) + 2, ORG + at((String) f[2]));
                    default -> throw new IllegalStateException();
                }
            }
            if (code.length > 510) {
                throw new IllegalStateException("boot sector too long: " + code.length + " bytes");
            }
            byte[] sector = new byte[512];
            System.arraycopy(code, 0, sector, 0, code.length);
            sector[510] = 0x55;
            sector[511] = (byte) 0xAA;
            return sector;
        }

        private int at(String label) {
            Integer p = labels.get(label);
            if (p == null) {
                throw new IllegalStateException("no label " + label);
            }
            return p;
        }

        private static void put16(byte[] code, int pos, int v) {
            code[pos] = (byte) v;
            code[pos + 1] = (byte) (v >> 8);
        }
    }
}
