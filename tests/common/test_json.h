/* Reading a JSON reference file under tests/data (PyTorch's numbers) with cJSON. */
#ifndef LRS_TEST_JSON_H
#define LRS_TEST_JSON_H

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

/* The parsed file tests/data/<rel>, or NULL (missing or not JSON). Free with cJSON_Delete. */
static inline cJSON *test_load_json(const char *rel)
{
    char path[1024];
    FILE *f = fopen(test_data_path(path, sizeof path, rel), "rb");
    if (!f) return NULL;
    cJSON *json = NULL;
    char *text = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1))) {
        text[fread(text, 1, (size_t)n, f)] = '\0';
        json = cJSON_Parse(text);
    }
    free(text);
    fclose(f);
    return json;
}

/* Member `key` of object o (NULL when absent). */
static inline const cJSON *test_json_get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

#endif
