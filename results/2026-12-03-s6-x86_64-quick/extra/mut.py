import collections, time
def mutate(n):
    l=[]; d={}; s=set(); q=collections.deque(); b=bytearray()
    for i in range(n):
        l.append(i); d[i&1023]=i; s.add(i&1023); q.append(i); b.append(i&255)
        if len(l)>1000: l.pop(); q.popleft()
        if len(b)>1000: del b[:500]
mutate(3_000_000)
