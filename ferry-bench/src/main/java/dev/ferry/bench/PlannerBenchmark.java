package dev.ferry.bench; public final class PlannerBenchmark { public static void main(String[] a) {} }
