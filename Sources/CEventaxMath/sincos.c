#define _GNU_SOURCE
#include <math.h>
#include "CEventaxMath.h"

void eventax_sincos(double x, double *s, double *c) { sincos(x, s, c); }
