# The one fused floating type of the core: every kernel is compiled for float32 and float64.
ctypedef fused real:
    float
    double
