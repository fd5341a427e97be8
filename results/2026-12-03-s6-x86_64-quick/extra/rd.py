def read(n):
    l=list(range(1000)); d={i:i for i in range(1000)}; t=0
    for i in range(n):
        t+=l[i%1000]; t+=d[i%1000]
    return t
import sys; read(int(sys.argv[1]) if len(sys.argv)>1 else 8_000_000)
