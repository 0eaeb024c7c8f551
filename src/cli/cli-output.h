/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "tw-secret.h"
#include "cli-exit.h"

G_BEGIN_DECLS

/*
 * Output of `tigress`: plain text for people, JSON (--json) for scripts.
 *
 * CliJson writes JSON straight to a stream as it goes instead of building a
 * tree, so a revealed secret is escaped from its TwSecret onto the stream
 * and never copied into an ordinary string or a JsonNode.
 */
typedef struct _CliJson CliJson;

CliJson  *cli_json_new            (FILE         *stream);
/* Closes nothing: ends the document with a newline and frees the writer.
 * Every object and array must have been ended. */
void      cli_json_free           (CliJson      *self);

/* In an object, member is the member's name; in an array or at the top
 * level it must be NULL. */
void      cli_json_begin_object   (CliJson      *self,
                                   const char   *member);
void      cli_json_end_object     (CliJson      *self);
void      cli_json_begin_array    (CliJson      *self,
                                   const char   *member);
void      cli_json_end_array      (CliJson      *self);
/* A NULL value writes null. */
void      cli_json_string         (CliJson      *self,
                                   const char   *member,
                                   const char   *value);
void      cli_json_int            (CliJson      *self,
                                   const char   *member,
                                   gint64        value);
void      cli_json_boolean        (CliJson      *self,
                                   const char   *member,
                                   gboolean      value);
void      cli_json_null           (CliJson      *self,
                                   const char   *member);
/* A GDateTime as RFC 3339 UTC, or null. */
void      cli_json_date_time      (CliJson      *self,
                                   const char   *member,
                                   GDateTime    *value);
/* The text of a secret as a JSON string, escaped byte by byte. */
void      cli_json_secret         (CliJson      *self,
                                   const char   *member,
                                   TwSecret     *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliJson, cli_json_free)

/* @text as a terminal can show it without acting on it: invalid UTF-8
 * replaced, and each control character (escape sequences, bidi controls,
 * tabs…) written as a visible escape such as \e or \u202e. A newline is
 * written as @line_break, or escaped as \n when @line_break is NULL.
 * Everything `tigress` prints that it did not write itself goes through
 * it. */
char     *cli_text_for_terminal   (const char   *text,
                                   const char   *line_break);

/* Plain text: "Label:  value" lines whose values line up; the value goes
 * through cli_text_for_terminal() and a note's lines are indented. */
void      cli_print_field         (const char   *label,
                                   const char   *value);
/* The same with the value written from a secret without a copy. */
void      cli_print_secret_field  (const char   *label,
                                   TwSecret     *secret);

/* A table whose columns line up; rows are added as NULL-terminated lists
 * of cells, the first row being the header. Cells go through
 * cli_text_for_terminal() and are cut at 40 characters. */
typedef struct _CliTable CliTable;

CliTable *cli_table_new           (void);
void      cli_table_add_row       (CliTable     *self,
                                   const char   *first_cell,
                                   ...) G_GNUC_NULL_TERMINATED;
void      cli_table_print         (CliTable     *self,
                                   FILE         *stream);
void      cli_table_free          (CliTable     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliTable, cli_table_free)

/* A local date and time for people, "2024-05-01 14:03". */
char     *cli_format_date_time    (GDateTime    *value);

/* Reports a failed command on stderr: "tigress: message" for people, or
 * {"error": name, "exit": code, "message": text} with --json. */
void      cli_print_error         (gboolean      json,
                                   CliExit       code,
                                   const char   *message);

G_END_DECLS
