/* src/checks/dane/check_dane.h - fixture */
