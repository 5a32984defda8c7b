/* src/core/version.h - the program's version, named in every output envelope and --version */
#ifndef MS_CORE_VERSION_H
#define MS_CORE_VERSION_H

#define MAILSEC_VERSION "0.1.0"

#endif
