/*
 * guest.c: the Strata migration test guest, a freestanding 32-bit
 * multiboot kernel.  It rewrites one byte in every 4 KiB page of a working
 * set, forever, so that a live migration has a known dirty rate to chase.
 *
 * Parameters come from the multiboot command line (qemu -append):
 *   ws=MIB     working set in MiB, starting at 4 MiB (default 16)
 *   spin=N     busy-wait iterations after each page (default 0)
 *   rate=N     pages per second instead of spin, paced by the TSC, which
 *              is calibrated against the PIT so the rate does not depend
 *              on how fast the (emulated) CPU is (default 0 = off)
 *   fill=0|1   first write every page of the working set (default 1)
 *   idle=0|1   after the fill, dirty nothing: halt the CPU (default 0)
 *   down=0|1   walk the working set from its top page down (default 0, up).
 *              QEMU's first pass sends pages upwards: a guest walking up
 *              faster than the bandwidth stays ahead of it, so every page
 *              is dirty by the end of that pass; walking down it is not.
 * It first writes every page of the working set once at full speed, so
 * that the whole set is non-zero (sent in full, like a real guest's
 * memory; fill=0 leaves the set zero until the loop reaches it), says
 * "ready" on COM1, then dirties at the asked rate and says "alive" every
 * 2 s (idle=1: says "idle" and halts with interrupts off instead).
 */
#include <stdint.h>

#define PAGE_SIZE	4096u
#define WS_BASE		0x400000u	/* working set starts at 4 MiB */
#define COM1		0x3f8
#define CALIB_MS	50u
#define PIT_HZ		1193182u
#define HEARTBEAT_MS	2000u

void	guest_main(uint32_t, uint32_t);

struct guest_params {
	uint32_t	ws_mib;
	uint32_t	spin;
	uint32_t	rate;
	uint32_t	fill;
	uint32_t	idle;
	uint32_t	down;
};

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
	uint8_t	v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t
rdtsc(void)
{
	uint32_t	lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* 64/32 division without libgcc; the quotient saturates at 2^32-1. */
static uint32_t
div64_32(uint64_t n, uint32_t d)
{
	uint32_t	q, r, hi = n >> 32, lo = (uint32_t)n;

	if (d == 0 || hi >= d)
		return 0xffffffffu;
	__asm__("divl %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
	(void)r;
	return q;
}

static void
serial_putc(char c)
{
	int	i;

	for (i = 0; i < 100000 && (inb(COM1 + 5) & 0x20) == 0; i++)
		;
	outb(COM1, (uint8_t)c);
}

static void
serial_puts(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

static void
serial_putu(uint32_t v)
{
	char	buf[11];
	int	i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	serial_puts(&buf[i]);
}

/* Value of "key=" in a command line, or def when absent. */
static uint32_t
param(const char *cmdline, const char *key, uint32_t def)
{
	const char	*p, *k;
	uint32_t	 v;

	if (cmdline == 0)
		return def;
	for (p = cmdline; *p != '\0'; p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		for (k = key; *k != '\0' && *p == *k; k++, p++)
			;
		if (*k != '\0') {
			if (*p == '\0')
				break;
			continue;
		}
		if (*p != '=')
			continue;
		for (v = 0, p++; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (*p - '0');
		return v;
	}
	return def;
}

/*
 * TSC ticks per millisecond, measured over a 50 ms PIT channel 2 one-shot
 * (the speaker gate, port 0x61); 0 if the PIT never fires.
 */
static uint32_t
tsc_per_ms(void)
{
	uint32_t	latch = PIT_HZ / (1000 / CALIB_MS), i;
	uint64_t	t0, t1;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);		/* channel 2, lo/hi byte, mode 0 */
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	t0 = rdtsc();
	for (i = 0; (inb(0x61) & 0x20) == 0; i++)
		if (i > 100000000u)
			return 0;
	t1 = rdtsc();
	return div64_32(t1 - t0, CALIB_MS);
}

static void
dirty_loop(const struct guest_params *gp, uint32_t tpm)
{
	volatile uint8_t	*ws = (volatile uint8_t *)WS_BASE;
	uint32_t		 npages, i, pass;
	uint64_t		 now, next, hb, per_page = 0, slack, hb_ticks;
	volatile uint32_t	 j;

	npages = gp->ws_mib * (1024 * 1024 / PAGE_SIZE);
	if (gp->rate != 0 && tpm != 0)
		per_page = div64_32((uint64_t)tpm * 1000, gp->rate);
	slack = (uint64_t)tpm * 100;	/* forget more than 100 ms of lag */
	hb_ticks = (uint64_t)tpm * HEARTBEAT_MS;
	if (gp->fill)
		for (i = 0; i < npages; i++)
			ws[(gp->down ? npages - 1 - i : i) * PAGE_SIZE] = 0x80;
	serial_puts("strata-guest: ready\n");
	if (gp->idle) {
		serial_puts("strata-guest: idle\n");
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	next = hb = rdtsc();
	hb += hb_ticks;
	for (pass = 1;; pass++) {
		for (i = 0; i < npages; i++) {
			/* never zero, so every page is sent in full */
			ws[(gp->down ? npages - 1 - i : i) * PAGE_SIZE] =
			    0x80 | (pass & 0x7f);
			if (per_page != 0) {
				next += per_page;
				for (;;) {
					now = rdtsc();
					if (now >= next) {
						if (now - next > slack)
							next = now;
						break;
					}
					/* TSC went backwards (migrated) */
					if (next - now > slack + per_page) {
						next = now;
						break;
					}
				}
			} else
				for (j = 0; j < gp->spin; j++)
					;
			if (tpm != 0 && (i & 63) == 0 && rdtsc() >= hb) {
				hb = rdtsc() + hb_ticks;
				serial_puts("strata-guest: alive pass ");
				serial_putu(pass);
				serial_puts("\n");
			}
		}
	}
}

void
guest_main(uint32_t magic, uint32_t info)
{
	const uint32_t		*mbi = (const uint32_t *)info;
	const char		*cmdline = 0;
	struct guest_params	 gp;
	uint32_t		 top = 0, max_mib, tpm;

	if (magic == 0x2badb002) {
		if (mbi[0] & (1u << 0))
			top = 0x100000 + mbi[2] * 1024;	/* mem_upper, KiB */
		if (mbi[0] & (1u << 2))
			cmdline = (const char *)mbi[4];
	}
	gp.ws_mib = param(cmdline, "ws", 16);
	gp.spin = param(cmdline, "spin", 0);
	gp.rate = param(cmdline, "rate", 0);
	gp.fill = param(cmdline, "fill", 1);
	gp.idle = param(cmdline, "idle", 0);
	gp.down = param(cmdline, "down", 0);
	if (top > WS_BASE + 0x100000) {
		max_mib = (top - WS_BASE) / 0x100000 - 1;
		if (gp.ws_mib > max_mib)
			gp.ws_mib = max_mib;
	}
	if (gp.ws_mib == 0)
		gp.ws_mib = 1;
	tpm = tsc_per_ms();

	serial_puts("strata-guest: ws ");
	serial_putu(gp.ws_mib);
	serial_puts(" MiB spin ");
	serial_putu(gp.spin);
	serial_puts(" rate ");
	serial_putu(gp.rate);
	serial_puts(" pages/s fill ");
	serial_putu(gp.fill);
	serial_puts(" idle ");
	serial_putu(gp.idle);
	serial_puts(" down ");
	serial_putu(gp.down);
	serial_puts(" tsc ");
	serial_putu(tpm);
	serial_puts(" /ms\n");
	dirty_loop(&gp, tpm);
}
