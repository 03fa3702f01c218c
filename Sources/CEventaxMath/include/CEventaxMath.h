#ifndef CEVENTAXMATH_H
#define CEVENTAXMATH_H
/* Sine and cosine of one argument in a single libm call (glibc's sincos). */
void eventax_sincos(double x, double *s, double *c);
#endif
