import { writeFileSync } from 'node:fs';
import { RandomState } from '../../../trainer/src/random.ts';
for (const seed of [0, 1, 2]) writeFileSync(`/tmp/memx/cache-colored-mnist-${seed}/order.i32`, Buffer.from(new RandomState(seed + 31).permutation(10000).buffer));
writeFileSync(`/tmp/memx/cache-synthetic-0/order.i32`, Buffer.from(new RandomState(31).permutation(1000).buffer));
