#!/bin/sh
# gen.sh — the benchmark's day, deterministic: OUT/products.csv (50
# products), OUT/purchases.csv (ROWS purchases by ROWS/4 customers, about 1%
# bad rows), OUT/cancels.csv (ROWS/10 cancels of earlier purchases).
# usage: gen.sh ROWS OUT DATE
rows=$1 out=$2 day=$3
mkdir -p "$out"
awk -v n="$rows" -v day="$day" -v out="$out" 'BEGIN {
	srand(42)
	p = out "/products.csv"
	print "action,product_id,name,price,sale_until,max_sales" > p
	for (i = 0; i < 50; i++)
		printf "add,P%03d,Product %d,%d,,\n", i, i, 10000 + i * 1000 > p
	f = out "/purchases.csv"
	print "request_id,customer_id,product_id,amount,requested_at" > f
	customers = int(n / 4); if (customers < 1) customers = 1
	for (i = 0; i < n; i++) {
		c = int(rand() * customers); k = int(rand() * 50)
		amount = 10000 + k * 1000
		bad = rand()
		if (bad < 0.005) amount = amount + 1          # PRICE_MISMATCH
		else if (bad < 0.01) amount = "1e3"           # BAD_AMOUNT
		printf "R%09d,C%08d,P%03d,%s,%sT%02d:%02d:%02d\n", i, c, k, amount, day, int(i * 86400 / n / 3600) % 24, int(i * 86400 / n / 60) % 60, int(i * 86400 / n) % 60 > f
		if (i % 10 == 3) { cancel[++nc] = i; owner[nc] = c }
	}
	g = out "/purchases.csv"
	x = out "/cancels.csv"
	print "request_id,customer_id,purchase_request_id,requested_at,reason" > x
	for (j = 1; j <= nc; j++)
		printf "X%09d,C%08d,R%09d,%sT23:59:00,changed mind\n", j, owner[j], cancel[j], day > x
}'
