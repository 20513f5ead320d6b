/*
 * The mesh key state exchange (issue 26), as Sources/WeftMesh and Sources/WeftApp/Mesh
 * implement it, for one clientpack field and its revocation, checked with spin
 * (scripts/check-models; `make test` runs it).
 *
 * Each controller holds a last-writer-wins register (timestamp, controller, enabled) and a
 * grow-only revoked flag, persisted with every write (so a restart loses nothing but the
 * messages in flight). A local write is stamped after every timestamp the controller has
 * seen (the hybrid clock's receive rule). A state message carries the whole register. The
 * network loses, duplicates and reorders messages and partitions any controller for any
 * time: a message in flight may be dropped, delivered in any order, or delivered and kept
 * to be delivered again. Merge: the later timestamp wins; at the same timestamp a disable
 * beats an enable, then the higher controller id (Register.swift).
 *
 * Safety (asserted at every merge): a revoke is never undone; a register never moves to an
 * older timestamp; and a merge is a join: merging what one already has changes nothing.
 * Convergence: once writes stop and the links come back (the anti-entropy rounds of
 * MeshSync: every pair exchanges its state), every controller holds the same state — the
 * same for every interleaving, loss pattern and partition spin explores.
 */

#ifndef N
#define N 3
#endif
#ifndef WRITES
#define WRITES 2     /* local writes per controller */
#endif
#ifndef CAP
#define CAP 3        /* messages in flight: 2 or 3 */
#endif
#if CAP > 2
#define ROOM (!net[0].used || !net[1].used || !net[2].used)
#else
#define ROOM (!net[0].used || !net[1].used)
#endif

typedef Reg {
    byte ts;
    byte cid;
    bool en;
    bool revoked
};

Reg st[N];
byte done = 0;

typedef Msg {
    bool used;
    byte to;
    Reg r
};
Msg net[CAP];

/* Does (ts, cid, en) = a beat the register of controller i? */
/* A message in slot s is for controller i. */
#define FOR(s) (net[s].used && net[s].to == i)

/* Receiving the message in slot s: merged, then merged again (a join changes nothing the second time). */
#define RECV(s) \
    :: atomic { \
        FOR(s) -> \
        copy.ts = net[s].r.ts; copy.cid = net[s].r.cid; copy.en = net[s].r.en; copy.revoked = net[s].r.revoked; \
        if \
        :: net[s].used = false \
        :: skip \
        fi \
       }; \
       merge(i, copy); \
       atomic { oldts = st[i].ts; merge(i, copy); assert(st[i].ts == oldts) }

#define BEATS(a, i) ((a.ts > st[i].ts) || (a.ts == st[i].ts && ((!a.en && st[i].en) || (a.en == st[i].en && a.cid > st[i].cid))))

inline merge(i, m) {
    atomic {
        oldts = st[i].ts;
        oldrev = st[i].revoked;
        if
        :: BEATS(m, i) -> st[i].ts = m.ts; st[i].cid = m.cid; st[i].en = m.en
        :: else -> skip
        fi;
        st[i].revoked = st[i].revoked || m.revoked;
        assert(!oldrev || st[i].revoked);   /* a revoke is never undone */
        assert(st[i].ts >= oldts)            /* never an older write */
    }
}

proctype controller(byte i) {
    byte writes = 0;
    byte k;
    byte j;
    byte oldts;
    bool oldrev;
    Reg copy;
    do
    /* a local write, stamped after everything seen: enable, disable, or revoke (which disables) */
    :: writes < WRITES ->
        atomic {
            /* the hybrid clock: after every timestamp seen (the register holds the latest) */
            st[i].ts = st[i].ts + 1;
            st[i].cid = i;
            if
            :: st[i].en = true
            :: st[i].en = false
            :: st[i].en = false; st[i].revoked = true
            fi;
            writes++
        }
    /* send the state to a peer, if there is room in flight */
    :: atomic {
        ROOM;
        select(j : 0 .. N - 2);
        if
        :: j >= i -> j++
        :: else -> skip
        fi;
        k = 0;
        do
        :: net[k].used -> k++
        :: else -> break
        od;
        net[k].used = true;
        net[k].to = j;
        net[k].r.ts = st[i].ts;
        net[k].r.cid = st[i].cid;
        net[k].r.en = st[i].en;
        net[k].r.revoked = st[i].revoked
       }
    /* receive any message for this controller, in any order; keep it (a duplicate) or not */
    RECV(0)
    RECV(1)
#if CAP > 2
    RECV(2)
#endif
    /* the network loses a message (a partition loses them all) */
    :: atomic { net[0].used -> net[0].used = false }
    :: atomic { net[1].used -> net[1].used = false }
#if CAP > 2
    :: atomic { net[2].used -> net[2].used = false }
#endif
    :: writes == WRITES -> break
    od;
    done++
}

init {
    byte i;
    byte j;
    byte round;
    byte oldts;
    bool oldrev;
    Reg copy;
    atomic {
        i = 0;
        do
        :: i < N -> st[i].en = true; st[i].cid = i; run controller(i); i++
        :: else -> break
        od
    }
    done == N;
    /* The links are up again: anti-entropy rounds, each controller's state to every other. */
    round = 0;
    do
    :: round < 2 ->
        i = 0;
        do
        :: i < N ->
            j = 0;
            do
            :: j < N ->
                if
                :: i != j ->
                    copy.ts = st[j].ts; copy.cid = st[j].cid; copy.en = st[j].en; copy.revoked = st[j].revoked;
                    merge(i, copy)
                :: else -> skip
                fi;
                j++
            :: else -> break
            od;
            i++
        :: else -> break
        od;
        round++
    :: else -> break
    od;
    /* Convergence: one state everywhere. */
    i = 1;
    do
    :: i < N ->
        assert(st[i].ts == st[0].ts && st[i].cid == st[0].cid && st[i].en == st[0].en && st[i].revoked == st[0].revoked);
        i++
    :: else -> break
    od;
}
