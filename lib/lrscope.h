/* lrscope: everything in one include. Each part also has a header of its own. */
#ifndef LRSCOPE_H
#define LRSCOPE_H
#include "status.h"
#include "tfevents.h"
#include "dataset.h"
#include "nn.h"
#include "optim.h"
#include "lr.h"
#include "signs.h"
#endif
